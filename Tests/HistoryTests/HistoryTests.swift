import Foundation
import Testing
import GitBridge
import History
import MergeCore
import Resolver
import TestSupport

/// A small scripted history with known conflicts and known resolutions.
///
/// Merge 1 (topic into main) conflicts in A.java twice (one region the token merge resolves as the developer
/// did, one where the developer took ours), in a binary file and in a file renamed on one side.
/// Merge 2 conflicts in C.java, and the developer also rewrote the lines around it: that region cannot be located.
struct ScriptedHistory {
    let directory: URL

    static let classBase = "class A {\n  void f() {\n    call(alpha, beta);\n  }\n  int g() {\n    return keep(1);\n  }\n}\n"
    static let classOurs = "class A {\n  void f() {\n    call(gamma, beta);\n  }\n  int g() {\n    return keep(2);\n  }\n}\n"
    static let classTheirs = "class A {\n  void f() {\n    call(alpha, delta);\n  }\n  int g() {\n    return keep(3);\n  }\n}\n"
    static let classResolved = "class A {\n  void f() {\n    call(gamma, delta);\n  }\n  int g() {\n    return keep(2);\n  }\n}\n"
    static let renamedBase = (1...12).map { "line \($0) of the old file\n" }.joined()

    init() throws {
        directory = try CommandRunner.temporaryDirectory("history")
        let environment = CommandRunner.environment(home: directory)
        func git(_ arguments: String...) throws {
            let result = try CommandRunner.git(arguments, in: directory, environment: environment)
            _ = result
        }
        func write(_ path: String, _ text: String) throws { try CommandRunner.write(text, to: directory.appendingPathComponent(path)) }
        try git("init", "-q", "-b", "main")
        try write("A.java", Self.classBase)
        try write("data.bin", "head\u{0}base\n")
        try write("Old.java", Self.renamedBase)
        try write("C.java", "// header\nint c = 1;\n// footer\n")
        try git("add", "-A"); try git("commit", "-qm", "base")

        try git("checkout", "-qb", "topic")
        try write("A.java", Self.classTheirs)
        try write("data.bin", "head\u{0}theirs\n")
        try git("mv", "Old.java", "New.java")
        try write("New.java", Self.renamedBase.replacingOccurrences(of: "line 6 of", with: "line six of"))
        try git("add", "-A"); try git("commit", "-qm", "theirs")

        try git("checkout", "-q", "main")
        try write("A.java", Self.classOurs)
        try write("data.bin", "head\u{0}ours\n")
        try write("Old.java", Self.renamedBase.replacingOccurrences(of: "line 6 of", with: "line 6 (ours) of"))
        try git("add", "-A"); try git("commit", "-qm", "ours")
        try git("merge", "-q", "topic")
        try write("A.java", Self.classResolved)
        try write("data.bin", "head\u{0}ours\n")
        try git("add", "-A"); try git("commit", "-qm", "Merge branch 'topic'")

        try git("checkout", "-qb", "topic2")
        try write("C.java", "// header\nint c = 3;\n// footer\n")
        try git("commit", "-qam", "theirs 2")
        try git("checkout", "-q", "main")
        try write("C.java", "// header\nint c = 2;\n// footer\n")
        try git("commit", "-qam", "ours 2")
        try git("merge", "-q", "topic2")
        try write("C.java", "// new header\nint c = 23;\n// new footer\n")
        try git("add", "-A"); try git("commit", "-qm", "Merge branch 'topic2'")
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// A second branch from the base makes the same change as main and merges topic the same way:
    /// the (A, O, B) triples of A.java repeat, as in merge-forward histories.
    func repeatFirstMerge() throws {
        let environment = CommandRunner.environment(home: directory)
        func git(_ arguments: String...) throws { _ = try CommandRunner.git(arguments, in: directory, environment: environment) }
        try git("checkout", "-q", "-b", "maintenance", "main~4")
        try CommandRunner.write(Self.classOurs, to: directory.appendingPathComponent("A.java"))
        try git("commit", "-qam", "the same change again")
        try git("merge", "-q", "topic")
        try CommandRunner.write(Self.classResolved, to: directory.appendingPathComponent("A.java"))
        try git("add", "-A"); try git("commit", "-qm", "Merge branch 'topic' into maintenance")
    }
}

@Suite(.serialized) struct HistoryTests {
    @Test func evalCountsAndScoresEveryRegion() throws {
        let history = try ScriptedHistory()
        defer { history.remove() }
        let repository = try Repository(discoveringFrom: history.directory.path)
        let report = try Evaluation(scanner: RegionScanner(selection: HistorySelection()), unique: false)
            .run(repository: repository, name: "scripted")

        #expect(report.mergesReplayed == 2)
        #expect(report.mergesWithConflicts == 2)
        #expect(report.files == 2)  // A.java and C.java; the binary and the renamed file are skipped
        #expect(report.skipped["binary"] == 1)
        #expect(report.skipped["renamed"] == 1, "\(report.skipped)")
        #expect(report.regions == 3)
        #expect(report.regionsLocated == 2)

        func score(_ tool: String) -> ToolScore { report.tools[tool]! }
        #expect(score("mergebert").resolved == 1 && score("mergebert").correct == 1 && score("mergebert").correctExact == 1)
        #expect(score("take_ours").resolved == 2 && score("take_ours").correct == 1)
        #expect(score("take_theirs").resolved == 2 && score("take_theirs").correct == 0)
        #expect(score("token_merge").resolved == 1 && score("token_merge").correct == 1)
        #expect(score("token_merge_else_ours").resolved == 2 && score("token_merge_else_ours").correct == 2)
        #expect(score("git").resolved == 0)
        #expect(score("token_merge_else_ours").accuracy == 1.0)
        #expect(score("take_ours").precision == 0.5 && score("mergebert").coverage == 0.5)
        #expect(report.byLanguage["java"]?["take_ours"]?.correct == 1)
        #expect(report.byLabel == ["token_merge": 1, "A": 1])
        #expect(report.curve.first?.precision == 1 && report.curve.first?.coverage == 0.5)
    }

    @Test func uniqueCountsARepeatedConflictOnce() throws {
        let history = try ScriptedHistory()
        defer { history.remove() }
        try history.repeatFirstMerge()
        let repository = try Repository(discoveringFrom: history.directory.path)
        let all = try Evaluation(scanner: RegionScanner(selection: HistorySelection()), unique: false).run(repository: repository, name: "s")
        let unique = try Evaluation(scanner: RegionScanner(selection: HistorySelection()), unique: true).run(repository: repository, name: "s")
        #expect(all.mergesReplayed == 3 && all.regions == 5 && all.duplicates == 0)
        #expect(unique.regions == 3 && unique.duplicates == 2 && unique.regionsLocated == 2)
        #expect(unique.tools["take_ours"]?.correct == 1 && all.tools["take_ours"]?.correct == 2)

        let limited = try Evaluation(scanner: RegionScanner(selection: HistorySelection(maximumMerges: 1)), unique: false)
            .run(repository: repository, name: "s")
        #expect(limited.mergesReplayed == 1)
    }

    /// A merge kept only under a pull-request ref, as fetched mirrors keep them: walked with every ref only.
    @Test func everyRefIncludesPullRequestBranches() throws {
        let history = try ScriptedHistory()
        defer { history.remove() }
        try history.repeatFirstMerge()
        let environment = CommandRunner.environment(home: history.directory)
        _ = try CommandRunner.git(["checkout", "-q", "main"], in: history.directory, environment: environment)
        _ = try CommandRunner.git(["update-ref", "refs/pull/7/head", "maintenance"], in: history.directory, environment: environment)
        _ = try CommandRunner.git(["branch", "-qD", "maintenance"], in: history.directory, environment: environment)
        let repository = try Repository(discoveringFrom: history.directory.path)
        func merges(_ references: [String]) throws -> Int {
            try Evaluation(scanner: RegionScanner(selection: HistorySelection(references: references)), unique: false)
                .run(repository: repository, name: "s").mergesReplayed
        }
        #expect(try merges(HistorySelection.branchesAndTags) == 2)
        #expect(try merges(HistorySelection.everyReference) == 3)
        #expect(try merges(["refs/pull/*"]) == 1)
    }

    @Test func mineWritesLabelledRecordsFromTheSharedFeaturizer() throws {
        let history = try ScriptedHistory()
        defer { history.remove() }
        let repository = try Repository(discoveringFrom: history.directory.path)
        let featurizer = Featurizer(vocabularySize: 1024, maximumLength: 64)
        var records: [MinedRecord] = []
        var seen = Set<String>()
        let summary = try Miner(scanner: RegionScanner(selection: HistorySelection()), featurizer: featurizer)
            .mine(repository: repository, name: "scripted", seenKeys: &seen) { records.append($0) }
        #expect(summary.regions == 3 && summary.regionsLocated == 2)
        #expect(records.map(\.kind) == ["region", "region", "token_conflict"])
        #expect(records[0].labels == ["token_merge"])
        #expect(records[0].tokenMergeClean == true)
        #expect(records[1].labels == ["A"])
        #expect(records[1].conflictLabels == [["A", "A-O"]])
        #expect(records[2].labels == ["A", "A-O"])
        #expect(records[2].key == records[1].key + "-0")
        #expect(records.allSatisfy { !$0.duplicate && $0.repo == "scripted" && $0.language == "java" })

        // The token conflict's features are exactly what the resolver's featurizer builds for it.
        let tokenizer = Tokenizer(language: .java)
        let merge = TokenMerge(base: tokenizer.tokenize("    return keep(1);\n"), ours: tokenizer.tokenize("    return keep(2);\n"),
                               theirs: tokenizer.tokenize("    return keep(3);\n"))
        let expected = featurizer.views(of: merge, conflict: 0)
        #expect(records[2].tokenIDs == expected.tokenIDs)
        #expect(records[2].editTypes == expected.editTypes)
        #expect(records[2].tokenIDs.count == 4 && records[2].tokenIDs.allSatisfy { $0.first == 2 && $0.count <= 64 })
        #expect(records[2].editTypes[0].contains(4))  // ours replaced the base's "1"

        // Side features are written, never left for training to recompute: the values the resolver hands
        // the model for the same input (non-zero ones only), with the record's facts.
        let facts = ConflictFacts(isRegion: false, language: .java)
        let names = ["region", "code", "language=java", "language=go", "a_changes_within_b", "same_sides", "o_a.replace"]
        let values = SideFeatures.values(names: names, input: expected, facts: facts)
        #expect(names.indices.map { Float(records[2].features[names[$0]] ?? 0) } == values)
        #expect(values[0] == 0 && values[1] == 1 && values[2] == 1 && values[3] == 0)
        #expect(records[2].features.values.allSatisfy { $0 != 0 } && records[0].features["region"] == 1)
        #expect(records[0].features["token_merge_clean"] == 1 && records[1].features["token_merge_clean"] == nil)
    }

    @Test func locatorNeedsUniqueBookends() {
        let base = Array("a\nx\nb\n".utf8), ours = Array("a\ny\nb\n".utf8), theirs = Array("a\nz\nb\n".utf8)
        let locator = ResolutionLocator(LineMerge(base: base, ours: ours, theirs: theirs))
        #expect(locator.resolution(ofRegion: 0, in: splitLines(Array("a\nyz\nb\n".utf8))) == Array("yz\n".utf8))
        #expect(locator.resolution(ofRegion: 0, in: splitLines(Array("a\nb\n".utf8))) == [])
        #expect(locator.resolution(ofRegion: 0, in: splitLines(Array("a\nq\na\nq\nb\n".utf8))) == nil)
        #expect(locator.resolution(ofRegion: 0, in: splitLines(Array("c\nq\nb\n".utf8))) == nil)
    }

    @Test func tokenResolutionsAreFoundBetweenStableRuns() throws {
        let tokenizer = Tokenizer(language: .java)
        let merge = TokenMerge(base: tokenizer.tokenize("f(a, b, c)"), ours: tokenizer.tokenize("f(x, b, y)"),
                               theirs: tokenizer.tokenize("f(z, b, w)"))
        #expect(merge.conflicts.count == 2)
        let found = try #require(TokenResolutionLocator.resolutions(of: merge, in: tokenizer.tokenize("f(x, b, w)")))
        #expect(found.map { $0.joinedBytes } == [Array("x".utf8), Array("w".utf8)])
        #expect(TokenResolutionLocator.resolutions(of: merge, in: tokenizer.tokenize("g(x, b, w)")) == nil)
    }
}
