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

    @Option(help: "Folder of cases (each with base.*, ours.*, theirs.*).") var fixtures = "fixtures/merge"

    @Option(help: "Timed repetitions per file.") var iterations = 20

    @Option(help: "Lines of the generated large file.") var largeLines = 20_000

    @Option(help: "The model directory (default: none: token merge only).") var model: String?

    func run() throws {
        var options = ResolverOptions()
        if let model { options.model = try ResolutionModel(directory: URL(fileURLWithPath: model)) }
        var cases: [(name: String, base: [UInt8], ours: [UInt8], theirs: [UInt8])] = []
        let root = URL(fileURLWithPath: fixtures)
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted() {
            let folder = root.appendingPathComponent(name)
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            func side(_ prefix: String) -> [UInt8]? {
                files.first { $0.hasPrefix(prefix + ".") }.flatMap { try? readFile(folder.appendingPathComponent($0).path) }
            }
            if let base = side("base"), let ours = side("ours"), let theirs = side("theirs") { cases.append((name, base, ours, theirs)) }
        }
        cases.append(Self.largeCase(lines: largeLines))

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
