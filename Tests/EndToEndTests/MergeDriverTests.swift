import Foundation
import Testing
import TestSupport

/// A temporary repository with a base commit and two branches, `main` (ours) and `topic` (theirs).
struct ScenarioRepository {
    let directory: URL
    var environment: [String: String]

    init(file: String, base: String, ours: String, theirs: String, extraEnvironment: [String: String] = [:]) throws {
        directory = try CommandRunner.temporaryDirectory("driver")
        environment = CommandRunner.environment(home: directory.appendingPathComponent("home"), extra: extraEnvironment)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("home"), withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main", "repo")
        try write(file, base)
        try git("add", "-A")
        try git("commit", "-qm", "base")
        try git("checkout", "-qb", "topic")
        try write(file, theirs)
        try git("commit", "-qam", "theirs edit")
        try git("checkout", "-q", "main")
        try write(file, ours)
        try git("commit", "-qam", "ours edit")
    }

    var repository: URL { directory.appendingPathComponent("repo") }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func write(_ file: String, _ text: String) throws {
        try Data(text.utf8).write(to: repository.appendingPathComponent(file))
    }

    func read(_ file: String) throws -> String { try CommandRunner.read(repository.appendingPathComponent(file)) }

    @discardableResult
    func git(_ arguments: String...) throws -> CommandResult {
        try CommandRunner.git(arguments, in: arguments.first == "init" ? directory : repository, environment: environment)
    }

    @discardableResult
    func mergebert(_ arguments: String...) throws -> CommandResult {
        try CommandRunner.run(CommandRunner.mergebert, arguments, in: repository, environment: environment)
    }

    /// What git alone leaves in `file` for the same operation, with the driver out of the way.
    func gitAlone(_ file: String, _ operation: [String]) throws -> (text: String, status: Int32) {
        let attributes = repository.appendingPathComponent(".git/info/attributes")
        let saved = try? Data(contentsOf: attributes)
        try? FileManager.default.removeItem(at: attributes)
        defer { if let saved { try? saved.write(to: attributes) } }
        let result = try CommandRunner.git(operation, in: repository, environment: environment)
        let text = try read(file)
        try abort(operation)
        return (text, result.status)
    }

    func abort(_ operation: [String]) throws {
        switch operation.first {
        case "merge": try git("merge", "--abort")
        case "rebase": try git("rebase", "--abort")
        case "cherry-pick": try git("cherry-pick", "--abort")
        default: break
        }
    }
}

@Suite(.serialized) struct MergeDriverTests {
    static let base = "class A {\n  void f() {\n    call(alpha, beta);\n  }\n}\n"
    static let ours = "class A {\n  void f() {\n    call(gamma, beta);\n  }\n}\n"
    static let theirs = "class A {\n  void f() {\n    call(alpha, delta);\n  }\n}\n"
    static let clashing = "class A {\n  void f() {\n    call(zeta, beta);\n  }\n}\n"
    static let merged = "class A {\n  void f() {\n    call(gamma, delta);\n  }\n}\n"

    @Test func installedDriverResolvesAMergeThatGitAloneCannot() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        #expect(try scenario.gitAlone("A.java", ["merge", "topic"]).status != 0)
        #expect(try scenario.mergebert("install", "--local").status == 0)
        let check = try scenario.mergebert("install", "--check", "A.java")
        #expect(check.status == 0 && check.output.contains("A.java: active"))
        let merge = try scenario.git("merge", "-q", "--no-edit", "topic")
        #expect(merge.status == 0)
        #expect(try scenario.read("A.java") == Self.merged)
        #expect(try scenario.git("status", "--porcelain").output.isEmpty)
        #expect(try scenario.git("log", "-1", "--format=%P").output.split(separator: " ").count == 2)
    }

    @Test(arguments: ["merge", "diff3", "zdiff3"])
    func conflictsKeepExactlyGitsMarkers(style: String) throws {
        var scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.clashing)
        defer { scenario.remove() }
        scenario.environment["GIT_CONFIG_PARAMETERS"] = nil
        try scenario.git("config", "merge.conflictStyle", style)
        let alone = try scenario.gitAlone("A.java", ["merge", "topic"])
        try scenario.mergebert("install", "--local")
        let merge = try scenario.git("merge", "topic")
        #expect(merge.status == 1)
        #expect(merge.output.contains("CONFLICT (content): Merge conflict in A.java"))
        #expect(try scenario.read("A.java") == alone.text)
        #expect(alone.text.contains(style == "merge" ? "=======" : "||||||| "))
    }

    @Test(arguments: [["rebase", "main"], ["cherry-pick", "topic"]])
    func rebaseAndCherryPickGoThroughTheDriver(operation: [String]) throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        try scenario.mergebert("install", "--local")
        if operation[0] == "rebase" { try scenario.git("checkout", "-q", "topic") }
        let result = try CommandRunner.git(["-c", "core.editor=true"] + operation, in: scenario.repository, environment: scenario.environment)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try scenario.read("A.java") == Self.merged)
        #expect(try scenario.git("status", "--porcelain").output.isEmpty)
    }

    @Test(arguments: [["rebase", "main"], ["cherry-pick", "topic"]])
    func rebaseAndCherryPickConflictsMatchGit(operation: [String]) throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.clashing)
        defer { scenario.remove() }
        if operation[0] == "rebase" { try scenario.git("checkout", "-q", "topic") }
        let alone = try scenario.gitAlone("A.java", operation)
        try scenario.mergebert("install", "--local")
        let result = try CommandRunner.git(operation, in: scenario.repository, environment: scenario.environment)
        #expect(result.status != 0)
        #expect(try scenario.read("A.java") == alone.text)
    }

    @Test func crlfFilesStayCRLF() throws {
        func crlf(_ text: String) -> String { text.replacingOccurrences(of: "\n", with: "\r\n") }
        let scenario = try ScenarioRepository(file: "A.java", base: crlf(Self.base), ours: crlf(Self.ours), theirs: crlf(Self.theirs))
        defer { scenario.remove() }
        try scenario.mergebert("install", "--local")
        #expect(try scenario.git("merge", "-q", "--no-edit", "topic").status == 0)
        #expect(try scenario.read("A.java") == crlf(Self.merged))
    }

    @Test func binaryFilesKeepOursAndConflict() throws {
        let scenario = try ScenarioRepository(file: "blob.bin", base: "a\u{0}b\n", ours: "a\u{0}c\n", theirs: "a\u{0}d\n")
        defer { scenario.remove() }
        try scenario.mergebert("install", "--local")
        let merge = try scenario.git("merge", "topic")
        #expect(merge.status == 1)
        #expect(try scenario.read("blob.bin") == "a\u{0}c\n")
    }

    @Test func switchesGiveGitsOwnLineMerge() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        let alone = try scenario.gitAlone("A.java", ["merge", "topic"])
        try scenario.mergebert("install", "--local")

        var off = scenario.environment
        off["MERGEBERT"] = "0"
        #expect(try CommandRunner.git(["merge", "topic"], in: scenario.repository, environment: off).status == 1)
        #expect(try scenario.read("A.java") == alone.text)
        try scenario.git("merge", "--abort")

        try scenario.write(".gitattributes", "*.java -mergebert\n")
        #expect(try scenario.git("merge", "topic").status == 1)
        #expect(try scenario.read("A.java") == alone.text)
        #expect(try scenario.mergebert("install", "--check", "A.java").status == 1)
    }

    @Test(arguments: ["error", "crash", "hang"])
    func internalFailuresFallBackToGitsLineMerge(fault: String) throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs,
                                              extraEnvironment: ["MERGEBERT_FAULT": fault, "MERGEBERT_TIMEOUT": "1"])
        defer { scenario.remove() }
        let alone = try scenario.gitAlone("A.java", ["merge", "topic"])
        try scenario.mergebert("install", "--local")
        let merge = try scenario.git("merge", "topic")
        #expect(merge.status == 1)
        #expect(try scenario.read("A.java") == alone.text)
        if fault != "crash" { #expect(merge.standardError.contains("git's line merge kept")) }
    }

    @Test(arguments: ["", "--local"])
    func uninstallLeavesConfigAndAttributesAsTheyWere(scope: String) throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        try scenario.write(".gitattributes", "*.png binary")  // no final newline, on purpose
        let config = scenario.repository.appendingPathComponent(".git/config")
        let attributes = scenario.repository.appendingPathComponent(scope.isEmpty ? ".gitattributes" : ".git/info/attributes")
        let configBefore = try Data(contentsOf: config)
        let attributesBefore = try? Data(contentsOf: attributes)
        let arguments = scope.isEmpty ? [] : [scope]
        for _ in 0..<2 {  // installing twice changes nothing more
            #expect(try CommandRunner.run(CommandRunner.mergebert, ["install"] + arguments + ["--pattern", "*.java", "--pattern", "*.ts"],
                                          in: scenario.repository, environment: scenario.environment).status == 0)
        }
        let installed = try CommandRunner.read(attributes)
        #expect(installed.components(separatedBy: "*.java merge=mergebert").count == 2)
        #expect(installed.contains("*.ts merge=mergebert\n"))
        #expect(try scenario.git("config", "merge.mergebert.driver").output.contains("driver %O %A %B %L %P"))
        #expect(try CommandRunner.run(CommandRunner.mergebert, ["uninstall"] + arguments, in: scenario.repository,
                                      environment: scenario.environment).status == 0)
        #expect(try Data(contentsOf: config) == configBefore)
        #expect((try? Data(contentsOf: attributes)) == attributesBefore)
    }

    @Test func globalInstallWorksEverywhereAndUninstallLeavesNoTrace() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        let home = URL(fileURLWithPath: scenario.environment["HOME"]!)
        let before = try FileManager.default.contentsOfDirectory(atPath: home.path)
        #expect(try scenario.mergebert("install", "--global", "--pattern", "*.java").status == 0)
        #expect(try CommandRunner.read(home.appendingPathComponent(".config/git/attributes")).contains("*.java merge=mergebert\n"))
        #expect(try scenario.git("merge", "-q", "--no-edit", "topic").status == 0)
        #expect(try scenario.read("A.java") == Self.merged)
        #expect(try scenario.mergebert("uninstall", "--global").status == 0)
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent(".gitconfig").path))
        #expect(!FileManager.default.fileExists(atPath: home.appendingPathComponent(".config/git/attributes").path))
        #expect(before.allSatisfy { FileManager.default.fileExists(atPath: home.appendingPathComponent($0).path) })
    }
}
