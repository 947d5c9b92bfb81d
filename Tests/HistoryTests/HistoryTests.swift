import Foundation
import Testing
import GitBridge
import History
import MergeCore
import Resolver
import TestSupport

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

        // Region records list their candidate texts: the token merge reproduces the first region; ours the second.
        let first = try #require(records[0].candidates), second = try #require(records[1].candidates)
        #expect(first.filter(\.reproduces).map(\.kinds) == [["token_merge"]])
        #expect(second.filter(\.reproduces).contains { $0.kinds.contains("A") } && records[2].candidates == nil)
        #expect(first.allSatisfy { $0.features["kinds"] == Double($0.kinds.count) })
    }

    /// The records `mine` writes for one real merge of these files (one per triple), in which git's line merge
    /// conflicts and the developer commits each file's `resolution` side; and the files' paths.
    func minedMerge(of triples: [(base: [UInt8], ours: [UInt8], theirs: [UInt8])], extension: String,
                    resolvedTo resolution: KeyPath<(base: [UInt8], ours: [UInt8], theirs: [UInt8]), [UInt8]>) throws -> ([MinedRecord], [String]) {
        let repository = try GeneratedMergeRepository(triples, extension: `extension`)
        defer { repository.remove() }
        let merge = try CommandRunner.git(["merge", "-q", "theirs", "-m", "merge"], in: repository.directory, environment: repository.environment)
        #expect(merge.status == 1)
        for (path, triple) in zip(repository.paths, triples) { try Data(triple[keyPath: resolution]).write(to: repository.directory.appendingPathComponent(path)) }
        _ = try CommandRunner.git(["commit", "-qam", "merge"], in: repository.directory, environment: repository.environment)
        var records: [MinedRecord] = []
        var seen = Set<String>()
        _ = try Miner(scanner: RegionScanner(selection: HistorySelection(references: HistorySelection.everyReference)),
                      featurizer: Featurizer(vocabularySize: 1024, maximumLength: 64))
            .mine(repository: try Repository(discoveringFrom: repository.directory.path), name: "mined", seenKeys: &seen) { records.append($0) }
        return (records, repository.paths)
    }

    /// A generated file's regions are mined marked as such (training leaves them out), an ordinary file's not.
    @Test func mineMarksTheRegionsOfGeneratedFiles() throws {
        let header = "// Code generated by go-bindata. DO NOT EDIT.\n"
        let triples: [(base: [UInt8], ours: [UInt8], theirs: [UInt8])] = [
            (Array((header + "package ui\nvar size = 1\n").utf8), Array((header + "package ui\nvar size = 2\n").utf8),
             Array((header + "package ui\nvar size = 3\n").utf8)),
            (Array("package ui\nvar size = 1\n".utf8), Array("package ui\nvar size = 2\n".utf8), Array("package ui\nvar size = 3\n".utf8)),
        ]
        let (records, paths) = try minedMerge(of: triples, extension: "go", resolvedTo: \.ours)
        let regions = records.filter { $0.kind == "region" }
        #expect(regions.count == 2)
        #expect(regions.first { $0.path == paths[0] }?.regenerated == "generated")
        #expect(regions.first { $0.path == paths[1] }.map { $0.regenerated == nil } == true)
    }

    /// Each region record carries what its file's regions say (`FileContext`): a file of two conflicting
    /// regions and one of a single region, mined from a real merge.
    @Test func mineWritesWhatEachFilesRegionsSay() throws {
        let gap = String(repeating: "keep()\n", count: 4)
        let two = (base: Array(("f(a, b)\n" + gap + "g(a)\n").utf8), ours: Array(("f(c, b)\n" + gap + "g(b)\n").utf8),
                   theirs: Array(("f(a, d)\n" + gap + "g(c)\n").utf8))
        let one = (base: Array("h(a)\n".utf8), ours: Array("h(b)\n".utf8), theirs: Array("h(c)\n".utf8))
        let (records, paths) = try minedMerge(of: [two, one], extension: "py", resolvedTo: \.theirs)
        let regions = records.filter { $0.kind == "region" }
        let first = regions.filter { $0.path == paths[0] }, second = regions.filter { $0.path == paths[1] }
        #expect(first.count == 2 && second.count == 1)
        #expect(first.allSatisfy { $0.features[FileContext.regionCountName] == log1p(2) })
        // One of the two regions token-merges cleanly (different arguments), the other clashes.
        #expect(first.allSatisfy { $0.features["file.token_merge_clean"] == 0.5 })
        #expect(second.allSatisfy { $0.features[FileContext.regionCountName] == log1p(1) && $0.features["file.token_merge_clean"] == nil })
        #expect(records.filter { $0.kind == "token_conflict" }.allSatisfy { !$0.features.keys.contains { $0.hasPrefix(FileContext.prefix) } })
    }

    /// A file the developer committed with git's markers still in it is no resolution: eval and mine skip it
    /// (counted under its own reason) and score the merge's other files as before.
    @Test func aFileCommittedWithMarkersIsNotScored() throws {
        let triples: [(base: [UInt8], ours: [UInt8], theirs: [UInt8])] = [
            (Array("x = 1\n".utf8), Array("x = 2\n".utf8), Array("x = 3\n".utf8)),
            (Array("y = 1\n".utf8), Array("y = 2\n".utf8), Array("y = 3\n".utf8)),
        ]
        let repository = try GeneratedMergeRepository(triples, extension: "py")
        defer { repository.remove() }
        let merge = try CommandRunner.git(["merge", "-q", "theirs", "-m", "merge"], in: repository.directory, environment: repository.environment)
        #expect(merge.status == 1)
        // The first file resolved as ours; the second committed as git left it, markers and all.
        try Data(triples[0].ours).write(to: repository.directory.appendingPathComponent(repository.paths[0]))
        let conflicted = try String(contentsOf: repository.directory.appendingPathComponent(repository.paths[1]), encoding: .utf8)
        #expect(conflicted.contains("<<<<<<< "))
        _ = try CommandRunner.git(["commit", "-qam", "merge"], in: repository.directory, environment: repository.environment)

        let report = try Evaluation(scanner: RegionScanner(selection: HistorySelection()), unique: false)
            .run(repository: try Repository(discoveringFrom: repository.directory.path), name: "markers")
        #expect(report.skipped[RegionScanner.committedWithMarkers] == 1, "\(report.skipped)")
        #expect(report.files == 2 && report.regions == 1 && report.regionsLocated == 1)
        #expect(report.tools["take_ours"]?.correct == 1)
        #expect(report.table.contains("not scored: \(RegionScanner.committedWithMarkers) 1"), "\(report.table)")
    }

    /// The merges replayed on four threads give byte for byte the report and the region lines of one thread.
    @Test func parallelReplayGivesTheSameReport() throws {
        let history = try ScriptedHistory()
        defer { history.remove() }
        try history.addConflictingMerges(12)
        let repository = try Repository(discoveringFrom: history.directory.path)
        func run(jobs: Int) throws -> (report: Data, lines: [Data]) {
            var lines: [Data] = []
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            var report = try Evaluation(scanner: RegionScanner(selection: HistorySelection(), jobs: jobs), unique: true)
                .run(repository: repository, name: "s", regions: { lines.append(try encoder.encode($0)) })
            report.seconds = 0
            return (try encoder.encode(report), lines)
        }
        let one = try run(jobs: 1), four = try run(jobs: 4)
        #expect(one.report == four.report)
        #expect(one.lines == four.lines && one.lines.count == 14)
    }

    /// Shards split the merges by commit id: each merge is in exactly one, and the parts add up to the whole.
    @Test func shardsSplitTheMergesOnceAndAddUp() throws {
        let history = try ScriptedHistory()
        defer { history.remove() }
        try history.addConflictingMerges(12)
        let repository = try Repository(discoveringFrom: history.directory.path)
        func report(_ shard: Shard?) throws -> EvaluationReport {
            try Evaluation(scanner: RegionScanner(selection: HistorySelection(shard: shard)), unique: false).run(repository: repository, name: "s")
        }
        let whole = try report(nil)
        let parts = try (1...3).map { try report(Shard("\($0)/3")!) }
        #expect(whole.mergesReplayed == 14)
        #expect(parts.map(\.mergesReplayed).reduce(0, +) == 14 && parts.allSatisfy { $0.mergesReplayed < 14 })
        #expect(Set(parts.flatMap { $0.merges.map(\.commit) }).count == whole.merges.count)
        let combined = try EvaluationReport.combining(parts, name: "s")
        #expect(combined.tools == whole.tools && combined.code == whole.code && combined.byLanguage == whole.byLanguage)
        #expect(combined.curve == whole.curve && combined.byLabel == whole.byLabel && combined.regions == whole.regions)
        #expect(combined.examples.count == whole.examples.count)
        #expect(Shard("0/3") == nil && Shard("4/3") == nil && Shard("2/3")?.index == 2 && Shard("x") == nil)
    }

    /// The page shows the report's own numbers, holds every merge and example, and loads nothing.
    @Test func theHTMLPageShowsTheReportsNumbers() throws {
        let history = try ScriptedHistory()
        defer { history.remove() }
        try history.addConflictingMerges(6)
        let repository = try Repository(discoveringFrom: history.directory.path)
        let report = try Evaluation(scanner: RegionScanner(selection: HistorySelection()), unique: false).run(repository: repository, name: "s<&>")
        let html = EvaluationPage(report: report).html
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        for forbidden in ["<script", "src=", "href=", "<link", "@import", "url("] { #expect(!html.contains(forbidden), "\(forbidden)") }
        #expect(html.contains("s&lt;&amp;&gt;") && !html.contains("s<&>"))
        func figure(_ key: String) -> String? {
            guard let range = html.range(of: "data-key=\"\(key)\">") else { return nil }
            return String(html[range.upperBound...].prefix { $0 != "<" })
        }
        let code = report.code["mergebert"]!
        #expect(figure("merges_replayed") == "\(report.mergesReplayed)" && figure("regions") == "\(report.regions)")
        #expect(figure("regions_located") == "\(report.regionsLocated)")
        #expect(figure("precision") == String(format: "%.1f%%", code.precision * 100))
        #expect(figure("coverage") == String(format: "%.1f%%", code.coverage * 100))
        #expect(html.components(separatedBy: "<details class=\"example").count - 1 == report.examples.count)
        #expect(report.examples.contains { $0.status == .wrong } && report.examples.contains { $0.status == .left })
        let mergeTable = try #require(html.range(of: "<table id=\"merges\">").map { html[$0.lowerBound...] })
        let mergeRows = mergeTable[..<mergeTable.range(of: "</table>")!.lowerBound].components(separatedBy: "<tr>").count - 2
        #expect(mergeRows == report.merges.count && report.merges.count == 8)
        #expect(html.contains("<svg id=\"curve\"") && html.contains("class=\"baseline\""))
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
