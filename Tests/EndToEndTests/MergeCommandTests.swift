import Foundation
import Testing
import TestSupport

/// `mergebert merge` and `mergebert resolve` as a user runs them.
@Suite struct MergeCommandTests {
    let base = "class A {\n  int f() { return call(alpha, beta); }\n}\n"
    let ours = "class A {\n  int f() { return call(gamma, beta); }\n}\n"
    let theirs = "class A {\n  int f() { return call(alpha, delta); }\n}\n"
    let clashing = "class A {\n  int f() { return call(zeta, beta); }\n}\n"

    func withFiles(_ files: [String: String], _ body: (URL) throws -> Void) throws {
        let directory = try CommandRunner.temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, text) in files { try CommandRunner.write(text, to: directory.appendingPathComponent(name)) }
        try body(directory)
    }

    @Test func resolvableMergePrintsTheResultAndExitsZero() throws {
        try withFiles(["base.java": base, "ours.java": ours, "theirs.java": theirs]) { directory in
            let result = try CommandRunner.run(CommandRunner.mergebert, ["merge", "base.java", "ours.java", "theirs.java", "--explain"], in: directory)
            #expect(result.status == 0)
            #expect(result.output == "class A {\n  int f() { return call(gamma, delta); }\n}\n")
            #expect(result.standardError.contains("token-merged"))
        }
    }

    @Test func clashingMergePrintsGitsMarkersAndExitsOne() throws {
        try withFiles(["base.java": base, "ours.java": ours, "theirs.java": clashing]) { directory in
            let result = try CommandRunner.run(CommandRunner.mergebert, ["merge", "base.java", "ours.java", "theirs.java"], in: directory)
            let git = try CommandRunner.git(["merge-file", "-p", "ours.java", "base.java", "theirs.java"], in: directory)
            #expect(result.status == 1)
            #expect(result.output == git.output)
            #expect(result.output.contains("<<<<<<< ours.java\n"))
        }
    }

    @Test func optionsForStyleLabelsMarkerSizeOutputAndJSON() throws {
        try withFiles(["b": base, "o": ours, "t": clashing]) { directory in
            let result = try CommandRunner.run(CommandRunner.mergebert,
                ["merge", "b", "o", "t", "--style", "diff3", "-L", "mine", "-L", "old", "-L", "yours", "--marker-size", "9",
                 "-o", "out.java", "--json", "--path", "src/A.java"], in: directory)
            #expect(result.status == 1)
            let written = try CommandRunner.read(directory.appendingPathComponent("out.java"))
            #expect(written.contains("<<<<<<<<< mine\n") && written.contains("||||||||| old\n") && written.contains(">>>>>>>>> yours\n"))
            let report = (try JSONSerialization.jsonObject(with: Data(result.standardOutput)) as? [[String: Any]])?.first
            #expect(report?["language"] as? String == "java")
            #expect(report?["clean"] as? Bool == false)
            #expect((report?["regions"] as? [[String: Any]])?.first?["fate"] as? String == "left")
        }
    }

    @Test func errorsExitTwoWithOneLineOnStandardError() throws {
        try withFiles(["b": base]) { directory in
            let missing = try CommandRunner.run(CommandRunner.mergebert, ["merge", "b", "nope", "b"], in: directory)
            #expect(missing.status == 2)
            #expect(missing.standardError.hasPrefix("mergebert: cannot read nope"))
            #expect(missing.standardError.split(separator: "\n").count == 1)
            let usage = try CommandRunner.run(CommandRunner.mergebert, ["merge", "b"], in: directory)
            #expect(usage.status == 2)
        }
    }

    @Test func helpForEveryCommandExitsZero() throws {
        try withFiles([:]) { directory in
            for arguments in [["--help"], ["merge", "--help"], ["help", "eval"], ["bench", "merge", "--help"], ["driver", "-h"]] {
                let help = try CommandRunner.run(CommandRunner.mergebert, arguments, in: directory)
                #expect(help.status == 0, "\(arguments): \(help.standardError)")
                #expect(help.output.contains("USAGE: mergebert"), "\(arguments)")
            }
        }
    }

    @Test func environmentSwitchGivesGitsLineMerge() throws {
        try withFiles(["b": base, "o": ours, "t": theirs]) { directory in
            let environment = CommandRunner.environment(home: directory, extra: ["MERGEBERT": "0"])
            let result = try CommandRunner.run(CommandRunner.mergebert, ["merge", "b", "o", "t"], in: directory, environment: environment)
            let git = try CommandRunner.git(["merge-file", "-p", "o", "b", "t"], in: directory)
            #expect(result.status == 1)
            #expect(result.output == git.output)
        }
    }

    @Test func resolveRewritesADiff3FileInPlaceKeepingABackup() throws {
        try withFiles(["b": base, "o": ours, "t": theirs]) { directory in
            let git = try CommandRunner.git(["merge-file", "-p", "--diff3", "o", "b", "t"], in: directory)
            try Data(git.standardOutput).write(to: directory.appendingPathComponent("A.java"))
            let result = try CommandRunner.run(CommandRunner.mergebert, ["resolve", "--backup", "A.java"], in: directory)
            #expect(result.status == 0)
            #expect(try CommandRunner.read(directory.appendingPathComponent("A.java")) == "class A {\n  int f() { return call(gamma, delta); }\n}\n")
            #expect(try CommandRunner.read(directory.appendingPathComponent("A.java.orig")) == git.output)
        }
    }

    @Test func resolveDuringARealMergeReadsTheIndex() throws {
        let directory = try CommandRunner.temporaryDirectory("resolve-index")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("src/A.java")
        @discardableResult func git(_ arguments: String...) throws -> CommandResult { try CommandRunner.git(arguments, in: directory) }
        try git("init", "-q", "-b", "main")
        try CommandRunner.write(base + "// tail\nkeep(1);\n", to: file)
        try git("add", "-A"); try git("commit", "-qm", "base")
        try git("checkout", "-qb", "topic")
        try CommandRunner.write(theirs + "// tail\nkeep(3);\n", to: file)
        try git("commit", "-qam", "theirs")
        try git("checkout", "-q", "main")
        try CommandRunner.write(ours + "// tail\nkeep(2);\n", to: file)
        try git("commit", "-qam", "ours")
        let merge = try git("merge", "topic")
        #expect(merge.status != 0)

        let result = try CommandRunner.run(CommandRunner.mergebert, ["resolve", "--no-backup", "--explain", "src/A.java"], in: directory)
        #expect(result.status == 1)
        let text = try CommandRunner.read(file)
        #expect(text.hasPrefix("class A {\n  int f() { return call(gamma, delta); }\n}\n// tail\n"))
        #expect(text.contains("<<<<<<< HEAD\nkeep(2);\n=======\nkeep(3);\n>>>>>>> topic\n"))
        #expect(!FileManager.default.fileExists(atPath: file.path + ".orig"))
    }

    @Test func resolveOutsideARepositoryExplainsWhatIsMissing() throws {
        try withFiles(["A.java": "x\n<<<<<<< a\ny\n=======\nz\n>>>>>>> b\n"]) { directory in
            let result = try CommandRunner.run(CommandRunner.mergebert, ["resolve", "A.java"], in: directory)
            #expect(result.status == 2)
            #expect(result.standardError.contains("git checkout --conflict=diff3"))
        }
    }

    @Test func aModelResolvesThroughTheCommandLineAndABrokenOneFallsBack() throws {
        try withFiles(["b": base, "o": ours, "t": clashing]) { directory in
            let model = directory.appendingPathComponent("model")
            try BiasedModel.write(to: model, bias: ["B": 5])
            let resolved = try CommandRunner.run(CommandRunner.mergebert, ["merge", "b", "o", "t", "--model", model.path, "--explain"], in: directory)
            #expect(resolved.status == 0)
            #expect(resolved.output == clashing)
            // B's share of the softmax (0.94) plus the token level's, which writes the same text; taking theirs
            // drops ours' change of the one line, and `--explain` says so.
            #expect(resolved.standardError.contains("pattern B (one side of a one-line clash) at p=0.95"), "\(resolved.standardError)")

            let weights = model.appendingPathComponent("model.safetensors")
            try Data(try Data(contentsOf: weights).prefix(100)).write(to: weights)
            let broken = try CommandRunner.run(CommandRunner.mergebert, ["merge", "b", "o", "t", "--model", model.path], in: directory)
            let git = try CommandRunner.git(["merge-file", "-p", "o", "b", "t"], in: directory)
            #expect(broken.status == 1)
            #expect(broken.output == git.output)
            #expect(broken.standardError.contains("cannot be used"))
        }
    }
}
