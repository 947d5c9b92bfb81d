import ArgumentParser
import Foundation
import MergeCore
import Resolver

/// `mergebert bench merge`: how long resolving a conflicted file takes, in process (the target is that a
/// conflicted file costs well under a second, so the driver stays invisible during `git merge`).
struct MergeBenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Time the whole pipeline on the fixture cases and on a large generated file.",
        discussion: "Times Resolver.resolve (line merge, libgit2 check, token merge, rendering) per file; build with -c release.")

    @Option(help: "Folder of cases (each with base.*, ours.*, theirs.*; default: fixtures/merge of the checkout the binary was built in).")
    var fixtures: String?

    @Option(help: "Timed repetitions per file.") var iterations = 20

    @Option(help: "Lines of the generated large file.") var largeLines = 20_000

    @Option(help: "The model directory (default: MERGEBERT_MODEL, else models/ of the build or install, as every command).") var model: String?

    @Flag(help: "Without a model: clean token merges only.") var noModel = false

    /// `fixtures/merge` next to the `models/` the binary finds in its build tree, so that it runs from any folder.
    static var checkoutFixtures: URL {
        let checkout = ResolutionModel.discover(environment: [:])?.deletingLastPathComponent().appendingPathComponent("fixtures/merge")
        return checkout.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil } ?? URL(fileURLWithPath: "fixtures/merge")
    }

    func run() throws {
        var options = ResolverOptions()
        if !noModel { options.model = try loadResolutionModel(explicit: model).get() }
        print("model: \(options.model.map { "\($0.directory.path) (thresholds \($0.policy.summary))" } ?? "none: clean token merges only")")
        var cases: [(name: String, base: [UInt8], ours: [UInt8], theirs: [UInt8])] = []
        let root = fixtures.map { URL(fileURLWithPath: $0) } ?? Self.checkoutFixtures
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted() {
            let folder = root.appendingPathComponent(name)
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            func side(_ prefix: String) -> [UInt8]? {
                files.first { $0.hasPrefix(prefix + ".") }.flatMap { try? readFile(folder.appendingPathComponent($0).path) }
            }
            if let base = side("base"), let ours = side("ours"), let theirs = side("theirs") { cases.append((name, base, ours, theirs)) }
        }
        cases.append(Self.largeCase(lines: largeLines))
        cases += Self.worstCases()

        print("file                                      bytes  regions  median ms    max ms")
        var medians: [Double] = []
        for item in cases {
            options.path = item.name
            let resolver = Resolver(options: options)
            var times: [Double] = []
            var regions = 0
            for _ in 0..<max(iterations, 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                regions = try resolver.resolve(base: item.base, ours: item.ours, theirs: item.theirs).report.regions.count
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            times.sort()
            let median = times[times.count / 2]
            medians.append(median)
            print(item.name.padding(toLength: 40, withPad: " ", startingAt: 0)
                  + String(format: "%7d %8d %10.3f %9.3f", item.ours.count, regions, median, times.last!))
        }
        medians.sort()
        print(String(format: "%d files: median of medians %.3f ms, slowest median %.3f ms", medians.count, medians[medians.count / 2], medians.last!))
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("peak resident memory: \(usage.ru_maxrss / 1024) MiB")
    }

    /// The resource bounds README states: the worst inputs the resolver accepts, and one just past the limit.
    static func worstCases() -> [(name: String, base: [UInt8], ours: [UInt8], theirs: [UInt8])] {
        // Two 20,000-line sides with nothing in common with each other or the base: one huge region.
        let disjoint = (0..<3).map { side in (0..<20_000).map { "side\(side) line \($0) = \($0 * 7 + side);\n" }.joined() }
        // One line of 1 MB, edited at both ends.
        let long = String(repeating: "word ", count: 200_000)
        let line = ("start " + long + "end\n", "START " + long + "end\n", "start " + long + "END\n")
        // Just under the 4 MiB limit, a conflict every 20 lines.
        var base = "", ours = "", theirs = ""
        var index = 0
        while base.utf8.count < ResolverOptions.defaultSizeLimit - 200 {
            let text = "    value\(index) = compute(alpha\(index), beta\(index));\n"
            base += text
            ours += index % 20 == 10 ? "    value\(index) = compute(gamma\(index), beta\(index));\n" : text
            theirs += index % 20 == 10 ? "    value\(index) = compute(delta\(index), beta\(index));\n" : text
            index += 1
        }
        return [("disjoint-20000-lines.java", Array(disjoint[0].utf8), Array(disjoint[1].utf8), Array(disjoint[2].utf8)),
                ("one-megabyte-line.java", Array(line.0.utf8), Array(line.1.utf8), Array(line.2.utf8)),
                ("four-mebibytes-many-conflicts.java", Array(base.utf8), Array(ours.utf8), Array(theirs.utf8))]
    }

    /// A Java-like file of `lines` lines where both sides edit every 500th line: one side renames a
    /// call's first argument, the other its second (token-mergeable), and every 1000th both change the same token.
    static func largeCase(lines: Int) -> (name: String, base: [UInt8], ours: [UInt8], theirs: [UInt8]) {
        var base = "", ours = "", theirs = ""
        for index in 0..<lines {
            let line = "    value\(index) = compute(alpha\(index), beta\(index));\n"
            base += line
            if index % 500 == 250 {
                ours += "    value\(index) = compute(gamma\(index), beta\(index));\n"
                theirs += index % 1000 == 250 ? "    value\(index) = compute(delta\(index), beta\(index));\n"
                    : "    value\(index) = compute(alpha\(index), delta\(index));\n"
            } else {
                ours += line
                theirs += line
            }
        }
        return ("generated-\(lines)-lines.java", Array(base.utf8), Array(ours.utf8), Array(theirs.utf8))
    }
}
