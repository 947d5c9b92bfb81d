import Foundation
import Testing
import TestSupport

/// What the driver did, told and recorded, reviewed and undone, through real git.
@Suite(.serialized) struct ReviewTests {
    static let base = MergeDriverTests.base, ours = MergeDriverTests.ours, theirs = MergeDriverTests.theirs
    static let clashing = MergeDriverTests.clashing, merged = MergeDriverTests.merged

    @Test func aMergeIsToldRecordedReviewedAndUndone() throws {
        // base commit: A, B, C all `base`; main: A, B, C = ours; topic: A, B = theirs, C = clashing.
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.base, theirs: Self.base)
        defer { scenario.remove() }
        try scenario.write("B.java", Self.base)
        try scenario.write("C.java", Self.base)
        try scenario.git("add", "-A")
        try scenario.git("commit", "-qm", "more files")
        try scenario.git("checkout", "-q", "topic")
        try scenario.git("merge", "-q", "--ff-only", "main")
        for (file, text) in [("A.java", Self.theirs), ("B.java", Self.theirs), ("C.java", Self.clashing)] { try scenario.write(file, text) }
        try scenario.git("commit", "-qam", "topic edits")
        try scenario.git("checkout", "-q", "main")
        for file in ["A.java", "B.java", "C.java"] { try scenario.write(file, Self.ours) }
        try scenario.git("commit", "-qam", "main edits")
        let alone = try scenario.gitAlone("A.java", ["merge", "topic"])
        try scenario.mergebert("install", "--local")

        let merge = try scenario.git("merge", "topic")
        #expect(merge.status == 1)
        for file in ["A.java", "B.java"] {
            #expect(merge.standardError.contains("mergebert: \(file): resolved 1 of 1 conflicts; review with `mergebert review`"),
                    "\(merge.standardError)")
        }
        #expect(!merge.standardError.contains("C.java: resolved"))
        #expect(try scenario.git("status", "--porcelain").output.contains("UU C.java"))

        let review = try scenario.mergebert("review")
        #expect(review.status == 0, "\(review.standardError)")
        #expect(review.output.contains("A.java") && review.output.contains("B.java") && !review.output.contains("C.java"))
        #expect(review.output.contains("+     call(gamma, delta);"), "\(review.output)")
        let records = try FileManager.default.contentsOfDirectory(atPath: scenario.repository.appendingPathComponent(".git/mergebert/records").path)
        #expect(records.filter { $0.hasSuffix(".json") }.count == 2)

        // An edit elsewhere in the file survives the undo; the markers come back exactly as git wrote them.
        try scenario.write("A.java", Self.merged + "// reviewed\n")
        let undo = try scenario.mergebert("review", "--undo", "A.java")
        #expect(undo.status == 0, "\(undo.standardError)")
        #expect(try scenario.read("A.java") == alone.text + "// reviewed\n")
        #expect(try scenario.git("status", "--porcelain").output.contains("UU A.java"))
        #expect(try scenario.read("B.java") == Self.merged)
        let after = try scenario.mergebert("review")
        #expect(after.output.contains("B.java") && !after.output.contains("A.java"))

        #expect(try scenario.mergebert("review", "--accept").status == 0)
        #expect(try scenario.mergebert("review").output.contains("resolved nothing here"))
    }

    @Test func gitConfigSetsHowBoldTheDriverIs() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        try scenario.mergebert("install", "--local")
        try scenario.git("config", "mergebert.mode", "off")
        #expect(try scenario.git("merge", "topic").status == 1)
        try scenario.git("merge", "--abort")
        try scenario.git("config", "mergebert.mode", "token")
        #expect(try scenario.git("merge", "-q", "--no-edit", "topic").status == 0)
        #expect(try scenario.read("A.java") == Self.merged)
        try scenario.git("reset", "-q", "--hard", "HEAD~1")
        try scenario.git("config", "mergebert.mode", "sometimes")
        let invalid = try scenario.git("merge", "-q", "--no-edit", "topic")
        #expect(invalid.standardError.contains("mergebert.mode=sometimes is not one of off, token, model"))
        let doctor = try scenario.mergebert("doctor")
        #expect(doctor.output.contains("settings: mode model (default)"), "\(doctor.output)")
    }

    @Test func theThresholdInGitConfigChangesWhatTheShippedModelResolves() throws {
        let demo = ShippedModelTests.repositoryRoot.appendingPathComponent("fixtures/demo")
        func text(_ name: String) throws -> String { try CommandRunner.read(demo.appendingPathComponent(name)) }
        var scenario = try ScenarioRepository(file: "App.java", base: try text("base.java"), ours: try text("ours.java"),
                                              theirs: try text("theirs.java"))
        defer { scenario.remove() }
        scenario.environment["MERGEBERT_MODEL"] = ShippedModelTests.repositoryRoot.appendingPathComponent("models").path
        try scenario.mergebert("install", "--local")
        // The demo's token merge (p=0.94 by the ranker) clears the default threshold of its kind (0.87), not a stricter one.
        try scenario.git("config", "mergebert.threshold", "0.95")
        #expect(try scenario.git("merge", "topic").status == 1)
        try scenario.git("merge", "--abort")
        try scenario.git("config", "--unset", "mergebert.threshold")
        let merge = try scenario.git("merge", "-q", "--no-edit", "topic")
        #expect(merge.status == 0, "\(merge.standardError)")
        #expect(!(try scenario.read("App.java")).contains("<<<<<<<"))
    }

    @Test func parallelDriverRunsKeepEveryRecord() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        let folder = scenario.directory.appendingPathComponent("sides")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let processes: [Process] = try (0..<12).map { index in
            for (name, text) in [("O", Self.base), ("A", Self.ours), ("B", Self.theirs)] {
                try Data(text.utf8).write(to: folder.appendingPathComponent("\(name)\(index)"))
            }
            let process = Process()
            process.executableURL = CommandRunner.mergebert
            process.arguments = ["driver"] + ["O", "A", "B"].map { folder.appendingPathComponent("\($0)\(index)").path } + ["7", "F\(index).java"]
            process.currentDirectoryURL = scenario.repository
            process.environment = scenario.environment
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        processes.forEach { $0.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        let review = try scenario.mergebert("review", "--all")
        #expect(review.status == 0, "\(review.standardError)")
        #expect((0..<12).allSatisfy { review.output.contains("F\($0).java ") })
    }

    @Test func anUnwritableRecordFolderNeverBreaksTheMerge() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        try scenario.mergebert("install", "--local")
        // A file where the record folder should be: no record can be written, whoever runs the test.
        try Data("in the way\n".utf8).write(to: scenario.repository.appendingPathComponent(".git/mergebert"))
        let merge = try scenario.git("merge", "-q", "--no-edit", "topic")
        #expect(merge.status == 0)
        #expect(try scenario.read("A.java") == Self.merged)
        #expect(merge.standardError.contains("cannot keep the resolution record"), "\(merge.standardError)")
        #expect(merge.standardError.contains("the merge is not affected"))
    }

    /// `resolve` without a path takes the index's unmerged files; one the driver partly resolved is resolved
    /// further from its record, keeping what the driver wrote.
    @Test func resolveWithoutPathsFinishesWhatTheDriverLeft() throws {
        let tail = "\n  int a;\n  int b;\n  int c;\n  int d;\n  void h() { other(1); }\n}\n"
        let base = Self.base.replacingOccurrences(of: "}\n}\n", with: "}" + tail)
        let ours = Self.ours.replacingOccurrences(of: "}\n}\n", with: "}" + tail.replacingOccurrences(of: "other(1)", with: "other(2)"))
        let theirs = Self.theirs.replacingOccurrences(of: "}\n}\n", with: "}" + tail.replacingOccurrences(of: "other(1)", with: "other(3)"))
        var scenario = try ScenarioRepository(file: "A.java", base: base, ours: ours, theirs: theirs)
        defer { scenario.remove() }
        try scenario.mergebert("install", "--local")
        #expect(try scenario.git("merge", "topic").status == 1)
        let partly = try scenario.read("A.java")
        #expect(partly.contains("call(gamma, delta);") && partly.contains("<<<<<<< HEAD"))

        scenario.environment["MERGEBERT_MODEL"] = ShippedModelTests.repositoryRoot.appendingPathComponent("models").path
        let resolve = try scenario.mergebert("resolve", "--threshold", "0")
        #expect(resolve.status == 0, "\(resolve.standardError)")
        #expect(resolve.standardError.contains("A.java: resolved 2 of 2 conflicts"), "\(resolve.standardError)")
        let finished = try scenario.read("A.java")
        #expect(finished.contains("call(gamma, delta);") && !finished.contains("<<<<<<<"))
        #expect(!FileManager.default.fileExists(atPath: scenario.repository.appendingPathComponent("A.java.orig").path))
        #expect(try scenario.mergebert("review").output.components(separatedBy: "  line ").count == 3)
    }

    /// Records older than `mergebert.recordDays` go when the next one is written.
    @Test func oldRecordsArePruned() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: Self.base, ours: Self.ours, theirs: Self.theirs)
        defer { scenario.remove() }
        try scenario.mergebert("install", "--local")
        let folder = scenario.repository.appendingPathComponent(".git/mergebert/records")
        #expect(try scenario.git("merge", "-q", "--no-edit", "topic").status == 0)
        let first = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(first.count == 1)
        // Age it by 40 days.
        let url = folder.appendingPathComponent(first[0])
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        object["time"] = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-40 * 86_400))
        object["operationKey"] = "an older merge"
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        try scenario.git("reset", "-q", "--hard", "HEAD~1")
        #expect(try scenario.git("merge", "-q", "--no-edit", "topic").status == 0)
        let second = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(second.count == 1 && second != first)
    }

    /// `review --undo ID:REGION` undoes one region and keeps the file's other resolutions.
    @Test func oneRegionCanBeUndoneAlone() throws {
        let tail = "\n  int a;\n  int b;\n  int c;\n  int d;\n  void h() { other(1, 1); }\n}\n"
        func with(_ side: String, _ call: String) -> String { side.replacingOccurrences(of: "}\n}\n", with: "}" + tail.replacingOccurrences(of: "other(1, 1)", with: call)) }
        let scenario = try ScenarioRepository(file: "A.java", base: with(Self.base, "other(1, 1)"), ours: with(Self.ours, "other(2, 1)"),
                                              theirs: with(Self.theirs, "other(1, 3)"))
        defer { scenario.remove() }
        let alone = try scenario.gitAlone("A.java", ["merge", "topic"])
        try scenario.mergebert("install", "--local")
        #expect(try scenario.git("merge", "-q", "--no-commit", "topic").status == 0)
        #expect(try scenario.read("A.java").contains("other(2, 3)"))
        let review = try scenario.mergebert("review").output
        let id = try #require(review.split(separator: " ").first.map(String.init))
        #expect(try scenario.mergebert("review", "--undo", "\(id):2").status == 0)
        let text = try scenario.read("A.java")
        #expect(text.contains("call(gamma, delta);"))
        #expect(text.contains("<<<<<<< HEAD\n  void h() { other(2, 1); }\n=======\n  void h() { other(1, 3); }\n>>>>>>> topic\n"), "\(text)")
        #expect(alone.text.hasSuffix(text[text.range(of: "  int d;\n")!.upperBound...]))
        #expect(try scenario.git("status", "--porcelain").output.contains("UU A.java"))
        #expect(try scenario.mergebert("review").output.components(separatedBy: "  line ").count == 2)
    }
}

/// `eval --json` says what produced it, and never calls "nothing resolved" 0% precision.
@Suite struct EvaluationReportTests {
    @Test func theJSONRecordsItsProvenanceAndUndefinedPrecision() throws {
        let scenario = try ScenarioRepository(file: "A.java", base: MergeDriverTests.base, ours: MergeDriverTests.ours,
                                              theirs: MergeDriverTests.clashing)
        defer { scenario.remove() }
        _ = try scenario.git("merge", "topic")
        try scenario.write("A.java", MergeDriverTests.ours)
        try scenario.git("commit", "-qam", "merged, keeping ours")
        let model = ShippedModelTests.repositoryRoot.appendingPathComponent("models").path
        #expect(try scenario.mergebert("eval", "--threshold", "1.5").status != 0)
        let eval = try scenario.mergebert("eval", "--model", model, "--threshold", "1", "--json", "report.json", "--max-merges", "5",
                                          "--regions", "regions.jsonl")
        #expect(eval.status == 0, "\(eval.standardError)")
        #expect(eval.output.contains("      —"), "\(eval.output)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: scenario.repository.appendingPathComponent("report.json"))) as? [String: Any])
        let provenance = try #require(object["provenance"] as? [String: Any])
        let version = try scenario.mergebert("--version").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(provenance["tool_version"] as? String == version)
        #expect(provenance["model"] as? String == model && (provenance["model_digest"] as? String)?.count == 16)
        #expect(provenance["thresholds"] as? [String: Double] == ["token_merge": 1, "pattern": 1, "token_patterns": 1, "one_side_of_clash": 1, "side_holding_both_changes": 1])
        #expect(provenance["max_merges"] as? Int == 5 && provenance["references"] as? [String] == ["refs/heads", "refs/tags"])
        let mergebert = try #require((object["tools"] as? [String: Any])?["mergebert"] as? [String: Any])
        #expect(mergebert["resolved"] as? Int == 0 && mergebert["precision"] is NSNull, "\(mergebert)")

        // One line per located region: every candidate with its probability and whether it reproduces the
        // developer's text (ours here), the choice (below the threshold of 1), and that nothing was written.
        let lines = try String(contentsOf: scenario.repository.appendingPathComponent("regions.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(lines.count == object["regions_located"] as? Int && !lines.isEmpty)
        for line in lines {
            #expect(line["path"] as? String == "A.java" && line["fate"] as? String == "below_threshold" && line["right"] == nil, "\(line)")
            let candidates = try #require(line["candidates"] as? [[String: Any]])
            #expect(candidates.count > 1)
            let probabilities = candidates.compactMap { $0["probability"] as? Double }
            #expect(probabilities == probabilities.sorted(by: >) && probabilities.reduce(0, +) <= 1 + 1e-6)
            #expect(candidates.contains { ($0["kinds"] as? [String])?.contains("A") == true && $0["reproduces"] as? Bool == true }, "\(candidates)")
            #expect(line["oracle"] as? String == "A" || line["oracle"] as? String == "token_patterns")
        }
    }
}

/// `eval` on all cores, in shards, and as a page: the command line gives the same numbers every way.
@Suite struct ParallelEvaluationTests {
    @Test func jobsShardsAndMergedShardsAgree() throws {
        let history = try ScriptedHistory()
        defer { history.remove() }
        try history.addConflictingMerges(12)
        let environment = CommandRunner.environment(home: history.directory)
        func eval(_ arguments: String...) throws -> [String: Any] {
            let result = try CommandRunner.run(CommandRunner.mergebert, ["eval", "--no-model", "--unique"] + arguments, in: history.directory,
                                               environment: environment)
            #expect(result.status == 0, "\(result.standardError)")
            let path = try #require(arguments.firstIndex(of: "--json").map { arguments[$0 + 1] })
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: history.directory.appendingPathComponent(path))) as? [String: Any])
            object["seconds"] = nil
            return object
        }
        let one = try eval("--jobs", "1", "--json", "one.json")
        let four = try eval("--jobs", "4", "--json", "four.json")
        #expect(Set(one.keys) == Set(four.keys))
        for key in one.keys { #expect((one[key] as? NSObject) == (four[key] as? NSObject), "\(key) differs with --jobs 4") }
        #expect(one["merges_replayed"] as? Int == 14)

        for index in 1...3 { _ = try eval("--shard", "\(index)/3", "--json", "part\(index).json") }
        let merged = try eval("--merge-json", "part1.json", "part2.json", "part3.json", "--json", "merged.json", "--html", "merged.html")
        for key in ["merges_replayed", "regions", "regions_located", "tools", "code", "curve", "by_label"] {
            #expect(NSDictionary(dictionary: merged).value(forKey: key) as? NSObject == NSDictionary(dictionary: one).value(forKey: key) as? NSObject, "\(key)")
        }
        #expect((merged["provenance"] as? [String: Any])?["parts"] as? [String] != nil)
        let page = try CommandRunner.read(history.directory.appendingPathComponent("merged.html"))
        #expect(page.contains("data-key=\"regions\">\(one["regions"] as! Int)<"))

        let bad = try CommandRunner.run(CommandRunner.mergebert, ["eval", "--shard", "4/3"], in: history.directory, environment: environment)
        #expect(bad.status != 0 && bad.standardError.contains("--shard"))
    }

    /// `mine --repos` writes each repository's records and a summary, and skips it when nothing changed.
    @Test func miningAListResumes() throws {
        let history = try ScriptedHistory()
        defer { history.remove() }
        try history.addConflictingMerges(3)
        let environment = CommandRunner.environment(home: history.directory)
        let list = history.directory.appendingPathComponent("repos.txt")
        try CommandRunner.write("# the scripted history\n\(history.directory.path)  # a path\n", to: list)
        let out = history.directory.appendingPathComponent("mined")
        func mine() throws -> CommandResult {
            try CommandRunner.run(CommandRunner.mergebert, ["mine", "--repos", list.path, "--out", out.path, "--all-refs"], in: history.directory,
                                  environment: environment)
        }
        let first = try mine()
        #expect(first.status == 0, "\(first.standardError)")
        let name = history.directory.lastPathComponent
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("\(name).summary.json"))) as? [String: Any])
        #expect(summary["merges"] as? Int == 5 && summary["regions"] as? Int == 6 && summary["references"] as? [String] == ["refs/*"], "\(summary)")
        #expect((summary["head"] as? String)?.count == 40 && summary["seconds"] is Double)
        let records = try CommandRunner.read(out.appendingPathComponent("\(name).jsonl")).split(separator: "\n")
        #expect(records.count == summary["records"] as? Int && !records.isEmpty)
        let second = try mine()
        #expect(second.status == 0 && second.standardError.contains("already mined"), "\(second.standardError)")
        try history.addConflictingMerges(1, from: 3)
        let third = try mine()
        #expect(third.status == 0 && !third.standardError.contains("already mined"), "\(third.standardError)")
    }
}
