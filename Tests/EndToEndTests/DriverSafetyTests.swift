import Foundation
import Testing
import TestSupport

/// The driver as a new user meets it: installed through PATH, with odd driver lines and existing
/// attributes, and with resolution off giving exactly what `git merge` writes.
@Suite(.serialized) struct DriverSafetyTests {
    static let base = MergeDriverTests.base, ours = MergeDriverTests.ours, theirs = MergeDriverTests.theirs
    static let clashing = MergeDriverTests.clashing

    /// With `MERGEBERT=0` the driver writes, for every file, the bytes plain `git merge` writes (labels
    /// included), on random triples where Myers and histogram often disagree.
    @Test(arguments: ["merge", "diff3", "zdiff3"])
    func offIsGitMergeByteForByte(style: String) throws {
        let triples = RandomTriples.lineFiles(count: 150, seed: 0xD21E + UInt64(style.count))
        let repository = try GeneratedMergeRepository(triples)
        defer { repository.remove() }
        var environment = repository.environment
        environment["GIT_CONFIG_PARAMETERS"] = "'merge.conflictStyle=\(style)'"
        let plain = try CommandRunner.git(["merge", "-q", "--no-edit", "theirs"], in: repository.directory, environment: environment)
        #expect(plain.status == 1)
        let expected = try repository.workTreeFiles()
        let unmerged = ["diff", "--name-only", "--diff-filter=U"]
        let expectedUnmerged = try CommandRunner.git(unmerged, in: repository.directory, environment: environment).output
        _ = try CommandRunner.git(["merge", "--abort"], in: repository.directory, environment: environment)

        let install = try CommandRunner.run(CommandRunner.mergebert, ["install", "--local"], in: repository.directory, environment: environment)
        #expect(install.status == 0, "\(install.standardError)")
        environment["MERGEBERT"] = "0"
        let driven = try CommandRunner.git(["merge", "-q", "--no-edit", "theirs"], in: repository.directory, environment: environment)
        #expect(driven.status == 1)
        let written = try repository.workTreeFiles()
        let differing = repository.paths.filter { written[$0] != expected[$0] }
        #expect(differing.isEmpty, "\(differing.count) files differ from git merge, first \(differing.first ?? "")")
        #expect(try CommandRunner.git(unmerged, in: repository.directory, environment: environment).output == expectedUnmerged)
    }

    /// `install` through PATH from another folder writes the binary's real path; the merge then runs it.
    @Test func installThroughPathWritesARealPath() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        let bin = scenario.directory.appendingPathComponent("home/.local/bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let installed = bin.appendingPathComponent("mergebert")
        try FileManager.default.copyItem(at: CommandRunner.mergebert, to: installed)
        var environment = scenario.environment
        environment["PATH"] = bin.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        let install = try CommandRunner.run(URL(fileURLWithPath: "/bin/sh"), ["-c", "mergebert install --local"],
                                            in: scenario.repository, environment: environment)
        #expect(install.status == 0, "\(install.standardError)")
        let command = try scenario.git("config", "merge.mergebert.driver").output
        #expect(command.hasPrefix(installed.resolvingSymlinksInPath().path + " driver "), "\(command)")
        #expect(try scenario.mergebert("install", "--check", "A.java").status == 0)
        #expect(try scenario.git("merge", "-q", "--no-edit", "topic").status == 0)
        #expect(try scenario.read("A.java") == MergeDriverTests.merged)

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: installed.path)
        let notExecutable = try scenario.mergebert("install", "--check", "A.java")
        #expect(notExecutable.status == 1)
        #expect(notExecutable.standardError.contains("is not executable; run `mergebert install` again"), "\(notExecutable.standardError)")
        try FileManager.default.removeItem(at: installed)
        let missing = try scenario.mergebert("install", "--check", "A.java")
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("does not exist"), "\(missing.standardError)")
        #expect(missing.standardError.split(separator: "\n").count == 1)
        #expect(try scenario.mergebert("doctor").status == 1)
    }

    /// `install` from the build tree registers `mergebert-driver`: clean files are written by it, conflicts go on
    /// to `mergebert driver`. A `mergebert-driver` without `mergebert` beside it still leaves git's line merge,
    /// fails the file, and `install --check` says the install is broken.
    @Test func theFastDriverHandsConflictsOnAndFailsSafelyAlone() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.clashing)
        defer { scenario.remove() }
        let alone = try scenario.gitAlone("A.java", ["merge", "topic"])
        try scenario.mergebert("install", "--local")
        let command = try scenario.git("config", "merge.mergebert.driver").output
        let fastDriver = CommandRunner.mergebert.deletingLastPathComponent().appendingPathComponent("mergebert-driver")
        #expect(command.hasPrefix(fastDriver.resolvingSymlinksInPath().path + " %O %A %B %L %P"), "\(command)")
        let merge = try scenario.git("merge", "topic")
        #expect(merge.status == 1)
        #expect(try scenario.read("A.java") == alone.text)
        try scenario.git("merge", "--abort")
        let version = try scenario.mergebert("--version").output
        #expect(try scenario.mergebert("doctor").output.contains("(mergebert \(version.trimmingCharacters(in: .whitespacesAndNewlines)))"))

        let lonely = scenario.directory.appendingPathComponent("lonely")
        try FileManager.default.createDirectory(at: lonely, withIntermediateDirectories: true)
        let copy = lonely.appendingPathComponent("mergebert-driver")
        try FileManager.default.copyItem(at: fastDriver, to: copy)
        try scenario.git("config", "merge.mergebert.driver", "\(copy.path) %O %A %B %L %P")
        let broken = try scenario.git("merge", "topic")
        #expect(broken.status == 1)
        let text = try scenario.read("A.java")
        #expect(text.contains("<<<<<<< ") && text.contains("call(gamma, beta);") && text.contains("call(zeta, beta);"), "\(text)")
        #expect(broken.standardError.contains("mergebert-driver: cannot run \(lonely.path)/mergebert"), "\(broken.standardError)")
        #expect(try scenario.mergebert("install", "--check", "A.java").status == 1)
    }

    /// Options the driver does not know never stop git's merge from reaching the file.
    @Test func unknownOptionsInTheDriverLineKeepGitsMerge() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.clashing)
        defer { scenario.remove() }
        let alone = try scenario.gitAlone("A.java", ["merge", "topic"])
        try scenario.mergebert("install", "--local")
        let program = CommandRunner.mergebert.path
        try scenario.git("config", "merge.mergebert.driver", "\(program) driver --frobnicate --threshold 0.7 --colour=blue %O %A %B %L %P")
        let merge = try scenario.git("merge", "topic")
        #expect(merge.status == 1)
        #expect(try scenario.read("A.java") == alone.text)
        #expect(merge.standardError.contains("ignored in the driver command: --frobnicate, --colour=blue"), "\(merge.standardError)")
    }

    /// A threshold in the driver line is used: 1 leaves even a clean token merge to the user.
    @Test func thresholdInTheDriverLineIsUsed() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        try scenario.mergebert("install", "--local")
        let command = try scenario.git("config", "merge.mergebert.driver").output
        try scenario.git("config", "merge.mergebert.driver", command.replacingOccurrences(of: " %O ", with: " --threshold 1.1 %O "))
        // 1.1 is not a probability: reported, ignored, and the clean token merge is written.
        let merge = try scenario.git("merge", "-q", "--no-edit", "topic")
        #expect(merge.status == 0)
        #expect(merge.standardError.contains("--threshold 1.1"))
        #expect(try scenario.read("A.java") == MergeDriverTests.merged)
    }

    /// Paths that already choose a merge driver keep it, whichever file install writes to.
    @Test(arguments: ["", "--local"])
    func installLeavesExistingMergeAttributesAlone(scope: String) throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        try scenario.write(".gitattributes", "CHANGELOG.md merge=union\n*.png binary\n")
        try FileManager.default.createDirectory(at: scenario.repository.appendingPathComponent("docs"), withIntermediateDirectories: true)
        try scenario.write("docs/.gitattributes", "*.txt -merge\n")
        try scenario.git("add", ".gitattributes", "docs/.gitattributes")
        try scenario.git("commit", "-qm", "attributes")
        let install = try CommandRunner.run(CommandRunner.mergebert, ["install"] + (scope.isEmpty ? [] : [scope]),
                                            in: scenario.repository, environment: scenario.environment)
        #expect(install.status == 0)
        #expect(install.output.contains("left alone"))
        #expect(install.output.contains("CHANGELOG.md merge=union"))
        let attributes = try scenario.git("check-attr", "merge", "--", "CHANGELOG.md", "logo.png", "A.java", "docs/a/notes.txt", "notes.txt").output
        #expect(attributes.contains("CHANGELOG.md: merge: union"), "\(attributes)")
        #expect(attributes.contains("logo.png: merge: unset"), "\(attributes)")
        #expect(attributes.contains("A.java: merge: mergebert"), "\(attributes)")
        #expect(attributes.contains("docs/a/notes.txt: merge: unset"), "\(attributes)")
        #expect(attributes.contains("notes.txt: merge: mergebert"), "\(attributes)")
        let doctor = try scenario.mergebert("doctor")
        #expect(doctor.status == 0, "\(doctor.standardError)")
        #expect(doctor.output.contains("git can run it"))
        #expect(doctor.output.contains("CHANGELOG.md merge=union"))
    }

    /// `git stash pop` and `git revert` conflicts carry git's own labels.
    @Test(arguments: ["stash", "revert"])
    func stashAndRevertLabelsMatchGit(operation: String) throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        var environment = scenario.environment
        environment["GIT_CONFIG_PARAMETERS"] = "'merge.conflictStyle=diff3'"
        @discardableResult func git(_ arguments: String...) throws -> CommandResult {
            try CommandRunner.git(arguments, in: scenario.repository, environment: environment)
        }
        /// The conflicted file the operation leaves, and its exit status; then back to where it started.
        func conflict() throws -> (text: String, status: Int32) {
            let result: CommandResult
            if operation == "stash" {
                try git("checkout", "-q", "main~1")
                try scenario.write("A.java", Self.clashing)
                try git("stash", "-q")
                try git("checkout", "-q", "main")
                result = try git("stash", "pop")
            } else {
                try scenario.write("A.java", Self.clashing)
                try git("commit", "-qam", "clash")
                result = try git("revert", "--no-edit", "main~1")
            }
            let text = try scenario.read("A.java")
            if operation == "stash" {
                try git("reset", "-q", "--hard")
                try git("stash", "drop", "-q")
            } else {
                try git("revert", "--abort")
                try git("reset", "-q", "--hard", "main~1")
            }
            return (text, result.status)
        }
        let alone = try conflict()
        #expect(alone.status != 0)
        #expect(alone.text.contains(operation == "stash" ? "||||||| Stash base" : "parent of "), "\(alone.text)")
        try scenario.mergebert("install", "--local")
        let driven = try conflict()
        #expect(driven.status != 0)
        #expect(driven.text == alone.text)
    }

    /// The merge base in diff3 labels is abbreviated as git abbreviates it: automatically by object count
    /// (8 digits past 16,384 packed objects), or to `core.abbrev`.
    @Test func baseLabelIsAbbreviatedAsGitDoes() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.clashing)
        defer { scenario.remove() }
        var stream = ""
        for index in 0..<17_000 {
            let data = "\(index)\n"
            stream += "blob\ndata \(data.utf8.count)\n\(data)\n"
        }
        _ = try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/git"), ["fast-import", "--quiet"], in: scenario.repository,
                                  environment: scenario.environment, input: Array(stream.utf8))
        // fast-import writes its own pack; nothing refers to these blobs, so no repack.
        #expect(try scenario.git("rev-parse", "--short", "HEAD").output.trimmingCharacters(in: .whitespacesAndNewlines).count == 8)
        try scenario.git("config", "merge.conflictStyle", "diff3")
        for abbreviation in ["auto", "12"] {
            try scenario.git("config", "core.abbrev", abbreviation)
            try? FileManager.default.removeItem(at: scenario.repository.appendingPathComponent(".git/info/attributes"))
            let alone = try scenario.gitAlone("A.java", ["merge", "topic"])
            try scenario.mergebert("install", "--local")
            #expect(try scenario.git("merge", "topic").status == 1)
            let driven = try scenario.read("A.java")
            try scenario.git("merge", "--abort")
            #expect(driven == alone.text, "core.abbrev=\(abbreviation)")
            let label = alone.text.components(separatedBy: "\n").first { $0.hasPrefix("||||||| ") }?.dropFirst(8) ?? ""
            #expect(label.count == (abbreviation == "auto" ? 8 : 12), "\(label)")
        }
    }

    /// When one side renamed the file, git names each side's path in the labels; so does the driver.
    @Test func renamedFilesGetGitsPathLabels() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.base)
        defer { scenario.remove() }
        try scenario.git("checkout", "-q", "topic")
        try scenario.git("mv", "A.java", "Renamed.java")
        try scenario.write("Renamed.java", Self.clashing)
        try scenario.git("commit", "-qam", "rename and edit")
        try scenario.git("checkout", "-q", "main")
        let alone = try scenario.gitAlone("Renamed.java", ["merge", "topic"])
        #expect(alone.text.contains("<<<<<<< HEAD:A.java"), "\(alone.text)")
        try scenario.mergebert("install", "--local")
        #expect(try scenario.git("merge", "topic").status == 1)
        #expect(try scenario.read("Renamed.java") == alone.text)
    }

    /// A file both sides added has an empty base, which is no rename even where the tree holds an empty file.
    @Test func addAddConflictsKeepPlainLabels() throws {
        let scenario = try ScenarioRepository(file: "empty.txt", base: "", ours: "", theirs: "")
        defer { scenario.remove() }
        try scenario.write("news.txt", "ours\n")
        try scenario.git("add", "news.txt")
        try scenario.git("commit", "-qm", "ours adds")
        try scenario.git("checkout", "-q", "topic")
        try scenario.write("news.txt", "theirs\n")
        try scenario.git("add", "news.txt")
        try scenario.git("commit", "-qm", "theirs adds")
        try scenario.git("checkout", "-q", "main")
        let alone = try scenario.gitAlone("news.txt", ["merge", "topic"])
        #expect(alone.text.hasPrefix("<<<<<<< HEAD\n"), "\(alone.text)")
        try scenario.mergebert("install", "--local")
        #expect(try scenario.git("merge", "topic").status == 1)
        #expect(try scenario.read("news.txt") == alone.text)
    }

    /// A rename both sides made alike is no rename for the labels.
    @Test func aRenameOnBothSidesKeepsPlainLabels() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.base, theirs: Self.base)
        defer { scenario.remove() }
        for (branch, text) in [("topic", Self.clashing), ("main", Self.ours)] {
            try scenario.git("checkout", "-q", branch)
            try scenario.git("mv", "A.java", "Moved.java")
            try scenario.write("Moved.java", text)
            try scenario.git("commit", "-qam", "move and edit")
        }
        let alone = try scenario.gitAlone("Moved.java", ["merge", "topic"])
        #expect(alone.text.contains("<<<<<<< HEAD\n"), "\(alone.text)")
        try scenario.mergebert("install", "--local")
        #expect(try scenario.git("merge", "topic").status == 1)
        #expect(try scenario.read("Moved.java") == alone.text)
    }

    /// `kill -9` at any moment leaves %A whole: ours as git wrote it, git's merge, or the finished result,
    /// never a truncated file.
    @Test(arguments: ["hang", "none"])
    func killedAtAnyMomentTheFileIsWhole(fault: String) throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        let folder = scenario.directory.appendingPathComponent("sides")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Run outside a git operation, the driver labels the sides `ours` and `theirs`.
        let gitMerge = try scenario.gitAlone("A.java", ["merge", "topic"]).text
            .replacingOccurrences(of: "<<<<<<< HEAD", with: "<<<<<<< ours").replacingOccurrences(of: ">>>>>>> topic", with: ">>>>>>> theirs")
        let allowed: Set<String> = [Self.ours, gitMerge, MergeDriverTests.merged]
        var environment = scenario.environment
        environment["MERGEBERT_FAULT"] = fault
        var seen = Set<String>()
        for delay in [0, 1, 2, 3, 5, 8, 12, 20, 30, 50, 80, 120] {
            let ours = folder.appendingPathComponent("A\(delay)")
            for (name, text) in [("O\(delay)", Self.base), ("A\(delay)", Self.ours), ("B\(delay)", Self.theirs)] {
                try Data(text.utf8).write(to: folder.appendingPathComponent(name))
            }
            let process = Process()
            process.executableURL = CommandRunner.mergebert
            process.arguments = ["driver", folder.appendingPathComponent("O\(delay)").path, ours.path,
                                 folder.appendingPathComponent("B\(delay)").path, "7", "A.java"]
            process.currentDirectoryURL = scenario.repository
            process.environment = environment
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(delay * 1000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let text = try CommandRunner.read(ours)
            #expect(allowed.contains(text), "killed after \(delay) ms: \(text.debugDescription)")
            seen.insert(text)
        }
        // The kills landed at different stages, or the test proves little.
        #expect(seen.count >= 2, "\(seen)")
    }
}
