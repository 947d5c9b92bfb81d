import Foundation
import Testing
import MergeCore
import TestSupport
import Resolver

/// The resolver's line-merge stage (token merge off, `git merge-file`'s flavor) against the `git merge-file` command itself.
@Suite struct LineMergeDifferentialTests {
    /// Lines from a small vocabulary so that the sides repeat, touch and overlap; some without letters
    /// (git joins conflicts separated only by such lines), some CRLF.
    static let lines = ["{\n", "}\n", "\n", "  x = 1;\n", "  y = 2;\n", "foo();\n", "bar(x);\n", "return;\n", "  // note\n",
                        ");\n", "  z = 3;\r\n", "end\r\n"]

    static func runGit(_ arguments: [String], in directory: URL) throws -> (output: [UInt8], status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["HOME"] = directory.path
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ([UInt8](output), process.terminationStatus)
    }

    static func countConflicts(_ text: [UInt8]) -> Int {
        splitLines(text).filter { ConflictMarkerScanner.isMarkerLine($0, character: UInt8(ascii: "<"), size: 7) }.count
    }

    @Test(arguments: [ConflictStyle.merge, .diff3, .zdiff3])
    func agreesWithGitMergeFile(style: ConflictStyle) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mergebert-line-diff-\(style)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var random = RandomTriples(seed: 0x11E5 &+ UInt64(style.rawValue.count))
        let markers = ConflictMarkers(oursLabel: "ours", baseLabel: "base", theirsLabel: "theirs")
        var options = ResolverOptions(style: style, markers: markers, tokenMergeEnabled: false)
        options.flavor = .gitMergeFile
        let resolver = Resolver(options: options)
        var conflicted = 0
        for iteration in 0..<500 {
            let triple = random.triple(alphabet: Self.lines, maximumLength: 16, maximumEdits: 3)
            var texts = [triple.base, triple.ours, triple.theirs].map { Array($0.joined().utf8) }
            // Sometimes the last line loses its line ending, on one side or all.
            for index in texts.indices where texts[index].last == UInt8(ascii: "\n") && random.chance(0.15) {
                texts[index].removeLast()
            }
            for (name, text) in zip(["base", "ours", "theirs"], texts) {
                try Data(text).write(to: directory.appendingPathComponent(name))
            }
            let styleFlags = style == .merge ? [] : ["--\(style.rawValue)"]
            let git = try Self.runGit(["-c", "merge.conflictStyle=merge", "merge-file", "-p"] + styleFlags
                                          + ["-L", "ours", "-L", "base", "-L", "theirs", "ours", "base", "theirs"], in: directory)
            let result = try resolver.resolve(base: texts[0], ours: texts[1], theirs: texts[2])
            #expect(result.report.skipped == nil, "iteration \(iteration)")
            #expect(result.text == git.output, "iteration \(iteration): \(texts.map { String(decoding: $0, as: UTF8.self) })")
            #expect(Int32(Self.countConflicts(result.text)) == git.status, "iteration \(iteration)")
            #expect(result.isClean == (git.status == 0))
            if git.status > 0 { conflicted += 1 }
        }
        #expect(conflicted > 100 && conflicted < 400)
    }
}
