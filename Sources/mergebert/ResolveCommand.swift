import ArgumentParser
import Foundation
import GitBridge
import MergeCore
import Resolver

/// `mergebert resolve FILE...`: resolves files that already hold conflict markers, in place.
struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resolve conflict markers in files, in place (keeping FILE.orig).",
        discussion: """
            diff3/zdiff3 markers carry the base, so the file alone is enough. With plain merge markers the \
            three versions come from git's index, so run it during the merge. Regions that cannot be resolved \
            stay exactly as they were. Exit codes: 0 everything resolved, 1 conflicts remain, 2 error.
            """)

    @Argument(help: "Files holding conflict markers.") var files: [String]

    @Flag(help: "Do not keep a FILE.orig copy of the original.") var noBackup = false

    @Flag(help: "Print the result on stdout instead of writing the file.") var stdout = false

    @OptionGroup var resolution: ResolutionOptions

    func run() throws {
        let options = resolution.resolverOptions(path: nil)
        var failed = false
        var conflictsRemain = false
        var reports: [MergeReport] = []
        for file in files {
            do {
                let result = try resolve(file, options: options)
                reports.append(result.report)
                conflictsRemain = conflictsRemain || !result.isClean
            } catch {
                printError("mergebert: \(file): \(error)")
                failed = true
            }
        }
        if resolution.json { print(jsonText(reports)) }
        if failed { throw ExitCode(2) }
        if conflictsRemain { throw ExitCode(1) }
    }

    private func resolve(_ file: String, options: ResolverOptions) throws -> Resolution {
        let original = try readFile(file)
        var options = options
        options.path = file
        let result = try ConflictedFileResolver(options: options).resolve(original) {
            try Self.indexStages(of: file)
        }
        if stdout {
            writeStandardOutput(result.text)
        } else if result.text != original {
            if !noBackup { try writeFileAtomically(original, to: file + ".orig") }
            try writeFileAtomically(result.text, to: file)
        }
        emitReport(result.report, options: resolution)
        return result
    }

    /// The index's stages 1-3 for `file`, when it sits in a repository in the middle of a merge.
    static func indexStages(of file: String) throws -> (base: [UInt8], ours: [UInt8], theirs: [UInt8])? {
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        guard let repository = try? Repository(discoveringFrom: directory),
              let path = repository.indexPath(of: file),
              let conflict = try repository.indexConflict(path: path),
              let ours = conflict.ours, let theirs = conflict.theirs else { return nil }
        return (conflict.base ?? [], ours, theirs)
    }
}
