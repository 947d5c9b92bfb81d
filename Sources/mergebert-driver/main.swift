// `mergebert-driver %O %A %B %L %P %S %X %Y`: the merge driver `mergebert install` registers when this
// program sits next to `mergebert`.
//
// git runs the driver for every file both sides changed, and most of them merge cleanly line by line. This
// program links nothing but the merge engine (no Foundation, libgit2 or OpenBLAS), so such a file costs
// about what `git merge-file` costs: it writes git's clean merge and exits 0. Everything else (a conflict,
// a binary file, an unreadable one, a write that fails) goes to `mergebert driver` with the same
// arguments, in the same process (exec), which keeps every guarantee of the full driver.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DriverCore
import MergeCore

let arguments = Array(CommandLine.arguments.dropFirst())
let parsed = DriverArguments(arguments)
let flavor = GitOperation.fromProcessAncestry().flavor
/// The three files, when the command line names them and all can be read.
let files: (base: [UInt8], ours: [UInt8], theirs: [UInt8])? = {
    guard let base = parsed.base, let ours = parsed.ours, let theirs = parsed.theirs,
          let baseBytes = try? PlainFile.read(base), let oursBytes = try? PlainFile.read(ours), let theirsBytes = try? PlainFile.read(theirs) else { return nil }
    return (baseBytes, oursBytes, theirsBytes)
}()
if let files, let ours = parsed.ours, let merged = CleanLineMerge.text(base: files.base, ours: files.ours, theirs: files.theirs, flavor: flavor),
   (try? PlainFile.writeAtomically(merged, to: ours)) != nil {
    exit(0)
}

/// `mergebert` in this program's folder, as the kernel names this program.
func fullDriverPath() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    let own = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    guard let slash = own.lastIndex(of: "/") else { return "mergebert" }
    return String(own[...slash]) + "mergebert"
}

let full = fullDriverPath()
// `mergebert-driver --version` (what `mergebert doctor` asks) and `--help` are mergebert's own answers.
let ownOptions: Set<String> = ["--version", "--help", "-h"]
let forwarded = arguments.count == 1 && ownOptions.contains(arguments[0]) ? arguments : ["driver"] + arguments
var execArguments: [UnsafeMutablePointer<CChar>?] = (["mergebert"] + forwarded).map { strdup($0) } + [nil]
execv(full, &execArguments)

// exec failed: mergebert itself is missing or broken. Leave git's line merge (default labels where git did
// not pass its own) and fail, so that git reports the conflict and `mergebert doctor` the broken install.
let reason = String(cString: strerror(errno))
var written = false
if let files, let ours = parsed.ours, ![files.base, files.ours, files.theirs].contains(where: isBinaryForGit) {
    let labels = parsed.passedLabels
    let markers = ConflictMarkers(oursLabel: labels.ours ?? "ours", baseLabel: labels.base ?? "base", theirsLabel: labels.theirs ?? "theirs",
                                  size: parsed.markerSize)
    let merge = LineMerge(base: files.base, ours: files.ours, theirs: files.theirs, flavor: flavor)
    written = (try? PlainFile.writeAtomically(merge.render(style: .merge, markers: markers), to: ours)) != nil
}
PlainFile.printError("mergebert-driver: cannot run \(full) (\(reason)); \(written ? "git's line merge written" : "%A left as it was"); "
                     + "reinstall with `mergebert install`")
exit(2)
