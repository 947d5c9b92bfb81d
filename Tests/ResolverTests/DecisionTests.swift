import Foundation
import Testing
import MergeCore
import Resolver
import TestSupport

/// The decision module: candidates are texts, one rule for "reproduces", thresholds per family, features.
@Suite struct DecisionTests {
    let tokenizer = Tokenizer(language: .java)

    func answer(_ kind: CandidateKind, _ text: String, _ probability: Double) -> Answer {
        Answer(kind: kind, tokens: tokenizer.tokenize(Array(text.utf8)), probability: probability)
    }

    @Test func answersWritingTheSameTextAreOneCandidate() {
        let candidates = Candidate.grouping([
            answer(.pattern(.ours), "f(a);\n", 0.3), answer(.pattern(.theirs), "f(b);\n", 0.4),
            answer(.pattern(.oursMinusBase), "f(a);\n", 0.2), answer(.tokenMerge, "f( a );\n", 0.1),
        ])
        #expect(candidates.count == 2)
        // 0.3 + 0.2 + 0.1 beats 0.4; named after its most probable answer, whose tokens are written.
        #expect(candidates[0].kinds == [.pattern(.ours), .pattern(.oursMinusBase), .tokenMerge])
        #expect(abs(candidates[0].probability - 0.6) < 1e-12 && candidates[0].text == Array("f(a);\n".utf8))
        #expect(candidates[1].kind == .pattern(.theirs) && candidates[1].kind.family == .pattern)
    }

    @Test func oneSideOfAOneLineClashIsKnown() {
        let shell = Tokenizer(language: .shell)
        func holds(_ text: String, _ base: String, _ ours: String, _ theirs: String) -> Bool {
            OneSideOfClash.holds(text: Array(text.utf8), base: Array(base.utf8), ours: Array(ours.utf8), theirs: Array(theirs.utf8), tokenizer: shell)
        }
        #expect(holds("CC=clang\n", "CC=gcc\n", "CC=clang\n", "CC=tcc\n") && holds("CC=tcc\n", "CC=gcc\n", "CC=clang\n", "CC=tcc\n"))
        // A side that already holds the other's change, a text that is neither side, and two lines are not.
        #expect(!holds("f(a, b, c)\n", "f(a)\n", "f(a, b)\n", "f(a, b, c)\n"))
        #expect(!holds("g(x, 2)\n", "f(x, 1)\n", "g(x, 1)\n", "f(x, 2)\n"))
        #expect(!holds("a = 1\nb = 1\n", "a = 0\nb = 0\n", "a = 1\nb = 1\n", "a = 2\nb = 0\n"))
        // One side only deleted tokens: nothing of it is dropped by the other's line.
        #expect(!holds("f(a, b)\n", "f(a)\n", "f(a, b)\n", "f()\n"))
    }

    @Test func reproductionIgnoresWhitespaceOnly() {
        #expect(Reproduction.reproduces(Array("f( a,b );\n".utf8), Array("f(a, b);".utf8)))
        #expect(!Reproduction.reproduces(Array("f(a, b);".utf8), Array("f(b, a);".utf8)))
    }

    @Test func labelsSayWhichCandidatesReproduceAResolution() {
        let merge = TokenMerge(base: tokenizer.tokenize("f(a, b, c);\n"), ours: tokenizer.tokenize("f(x, b, y);\n"),
                               theirs: tokenizer.tokenize("f(z, b, w);\n"))
        let labels = Reproduction.labels(of: merge, resolution: Array("f(x, b, w);\n".utf8), tokenizer: tokenizer)
        #expect(!labels.tokenMerge && labels.patterns.isEmpty && labels.tokenPatterns && labels.oracle == "token_patterns")
        #expect(labels.reproduced(by: .tokenPatterns([.ours, .theirs])) && !labels.reproduced(by: .tokenPatterns([.theirs, .theirs])))
        let ours = Reproduction.labels(of: merge, resolution: Array("f(x, b, y);\n".utf8), tokenizer: tokenizer)
        #expect(ours.patterns.first == .ours && ours.oracle == "A" && ours.reproduced(by: .pattern(.ours)))
    }

    /// A token merge that writes one side as it is and one that combines both sides' edits are right at very
    /// different rates in history, so they are told apart; a pattern writing one side of a one-line clash too.
    @Test func theRegionPutsSomeCandidatesInAFamilyOfTheirOwn() {
        func families(_ base: String, _ ours: String, _ theirs: String, _ answers: [Answer]) -> [CandidateFamily] {
            var candidates = Candidate.grouping(answers)
            RegionFamilies.assign(&candidates, base: Array(base.utf8), ours: Array(ours.utf8), theirs: Array(theirs.utf8), tokenizer: tokenizer)
            return candidates.map(\.family)
        }
        // Theirs already made ours' change: the merge writes theirs.
        #expect(families("f(a, b);\n", "f(x, b);\n", "f(x, y);\n", [answer(.tokenMerge, "f(x, y);\n", 1)]) == [.sideHoldingBothChanges])
        // Each side changed its own argument: the merge combines them.
        #expect(families("f(a, b);\n", "f(x, b);\n", "f(a, y);\n", [answer(.tokenMerge, "f(x, y);\n", 0.6), answer(.pattern(.ours), "f(x, b);\n", 0.4)])
                == [.tokenMerge, .oneSideOfClash])
        // A pattern writing one side of two lines is a pattern.
        #expect(families("a;\nb;\n", "c;\nd;\n", "e;\nf;\n", [answer(.pattern(.theirs), "e;\nf;\n", 1)]) == [.pattern])
    }

    @Test func aProbabilityJustBelowTheThresholdIsNotPrintedEqualToIt() {
        let candidate = Candidate(tokens: tokenizer.tokenize(Array("g();\n".utf8)), kinds: [.tokenMerge], probability: 0.7996)
        let outcome = RegionResolver.Outcome(fate: .belowThreshold, tokenConflicts: 0, candidates: [candidate], threshold: 0.8, scorer: .encoder)
        #expect(outcome.reason == "token merge at p=0.7996 is below the threshold 0.8000", "\(outcome.reason)")
        let far = RegionResolver.Outcome(fate: .belowThreshold, tokenConflicts: 0, candidates: [candidate], threshold: 0.9, scorer: .encoder)
        #expect(far.reason == "token merge at p=0.80 is below the threshold 0.90")
    }

    @Test func eachFamilyHasItsOwnThreshold() throws {
        let policy = DecisionPolicy(thresholds: [.tokenMerge: 0.7, .pattern: 0.9, .tokenPatterns: 0.95])
        let merged = Candidate.grouping([answer(.tokenMerge, "g();\n", 0.8), answer(.pattern(.ours), "h();\n", 0.2)])
        #expect(policy.choose(merged)?.accepted == true)
        let pattern = Candidate.grouping([answer(.pattern(.ours), "h();\n", 0.8), answer(.tokenMerge, "g();\n", 0.2)])
        #expect(policy.choose(pattern)?.accepted == false)
        #expect(policy.summary == "token_merge 0.70, pattern 0.90, token_patterns 0.95, one_side_of_clash 1.00, side_holding_both_changes 1.00"
                && DecisionPolicy(threshold: 0.9).summary == "0.90")
        #expect(DecisionPolicy.withoutModel.choose([]) == nil)
    }

    @Test(arguments: [
        ("{\"thresholds\": {\"token_merge\": 0.7, \"pattern\": 0.9, \"token_patterns\": 1}}", true),
        ("{\"threshold\": 0.8}", true),
        ("{\"thresholds\": {\"token_merge\": 0.7, \"pattern\": 0.9}}", false),
        ("{\"thresholds\": {\"token_merge\": 0, \"pattern\": 0.9, \"token_patterns\": 0.9}}", false),
        ("{\"thresholds\": {\"token_merge\": 0.7, \"pattern\": 0.9, \"token_patterns\": 0.9, \"lucky\": 0.1}}", false),
        ("{\"thresholds\": {\"token_merge\": 1.5, \"pattern\": 0.9, \"token_patterns\": 0.9}}", false),
    ])
    func decisionFilesAreCheckedWhole(text: String, usable: Bool) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("decision-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(text.utf8).write(to: file)
        let policy = try? DecisionPolicy.load(file)
        #expect((policy != nil) == usable, "\(text)")
        if text.contains("0.8") { #expect(policy == DecisionPolicy(threshold: 0.8)) }
    }

    /// Hand-computed values of the side features for one token conflict: ours changes `1` to `2` and adds
    /// `, z`; theirs changes `1` to `2` only.
    /// A region's candidate texts: one per distinct text, with every kind that writes it, and features that
    /// say how much of each side's change each keeps (worked out by hand for this region).
    @Test func candidateTextsOfARegion() throws {
        let tokenizer = Tokenizer(language: .java)
        let merge = TokenMerge(base: tokenizer.tokenize("f(a, b);"), ours: tokenizer.tokenize("f(x, b);"), theirs: tokenizer.tokenize("f(a, y);"))
        let candidates = CandidateTexts.of(merge)
        let texts = candidates.map { String(decoding: $0.text, as: UTF8.self) }
        #expect(texts.first == "f(x, y);" && candidates[0].kinds == [.tokenMerge])
        #expect(Set(texts).count == texts.count, "one candidate per distinct text: \(texts)")
        let ours = try #require(candidates.first { $0.kinds.contains(.pattern(.ours)) })
        #expect(String(decoding: ours.text, as: UTF8.self) == "f(x, b);")
        // Neither side added tokens the base lacks except x (ours) and y (theirs).
        let tokenMerge = candidates[0].features, oursFeatures = ours.features
        #expect(tokenMerge["keeps_ours_change"] == 1 && tokenMerge["keeps_theirs_change"] == 1 && tokenMerge["kind=token_merge"] == 1)
        #expect(oursFeatures["keeps_ours_change"] == 1 && oursFeatures["keeps_theirs_change"] == nil && oursFeatures["equals_ours"] == 1)
        // ours keeps 5 of the base's 6 non-layout tokens (f ( a , b ) ;: 7 tokens, a dropped): 6/7.
        #expect(oursFeatures["keeps_base"] == 6.0 / 7.0)
        #expect(oursFeatures["ours_contains_theirs_change"] == nil && oursFeatures["token_merge_clean"] == 1)
        #expect(Set(candidates.flatMap(\.features.keys)).isSubset(of: Set(CandidateTexts.featureNames)))

        // Ours adds a line the base lacked, theirs nothing: ours and ours-minus-base... write different texts,
        // but base, theirs and the empty theirs-minus-base collapse where they are equal.
        let added = TokenMerge(base: tokenizer.tokenize(""), ours: tokenizer.tokenize("int x;"), theirs: tokenizer.tokenize(""))
        let addedCandidates = CandidateTexts.of(added)
        let empty = try #require(addedCandidates.first { $0.kinds.contains(.pattern(.base)) })
        #expect(empty.kinds.contains(.pattern(.theirs)) && empty.features["empty"] == 1 && empty.features["kinds"] == Double(empty.kinds.count))
    }

    /// Where the two sides' edits lie, worked out by hand: every candidate of a region carries the same values.
    @Test func theLayoutOfTheTwoSidesEdits() throws {
        func layout(_ base: String, _ ours: String, _ theirs: String) -> [String: Double] {
            let candidates = CandidateTexts.of(TokenMerge(base: tokenizer.tokenize(base), ours: tokenizer.tokenize(ours), theirs: tokenizer.tokenize(theirs)))
            let names = ["edits_on_separate_lines", "lines_changed_by_both", "edits_token_gap", "ours_edits", "theirs_edits", "edit_alternations",
                         "ours_edit_size", "theirs_edit_size"]
            let values = candidates.map { candidate in candidate.features.filter { names.contains($0.key) } }
            #expect(values.allSatisfy { $0 == values[0] }, "the same for every text of the region")
            return values[0]
        }
        // Adjacent lines: ours edits line 1, theirs line 2; between them `; b =` (3 base tokens).
        let adjacent = layout("a = 1;\nb = 2;\n", "a = 5;\nb = 2;\n", "a = 1;\nb = 7;\n")
        // One edit each; replacing one token by another is 2 tokens of edit: log2(3) / log2(257).
        let twoTokens = log2(3.0) / log2(257.0), oneToken = 1 / log2(257.0)
        let oneEditEach: [String: Double] = ["ours_edits": 0.125, "theirs_edits": 0.125, "edit_alternations": 0.125,
                                             "ours_edit_size": twoTokens, "theirs_edit_size": twoTokens]
        let adjacentExpected = oneEditEach.merging(["edits_on_separate_lines": 1, "edits_token_gap": 0.1875]) { $1 }
        #expect(adjacent == adjacentExpected)
        // One line, two arguments: the line is changed by both, one token (`,`) apart.
        let sameLine = layout("f(a, b);", "f(x, b);", "f(a, y);")
        let sameLineExpected = oneEditEach.merging(["lines_changed_by_both": 1, "edits_token_gap": 0.0625]) { $1 }
        #expect(sameLine == sameLineExpected)
        // Both insert a line at the same place: not separate, no base line changed, no gap.
        let inserts = layout("x;\n", "p;\nx;\n", "q;\nx;\n")
        // Each inserts two tokens (`p ;`, `q ;`): the same sizes as replacing one token.
        #expect(inserts == oneEditEach)
        #expect(layout("a;\n", "a; b\n", "c;\n")["ours_edit_size"] == oneToken)
        // An insertion inside a run of lines the other side replaces is not separate; one beside it is.
        #expect(layout("a;\nb;\n", "A;\nB;\n", "a;\nn;\nb;\n")["edits_on_separate_lines"] == nil)
        #expect(layout("a;\nb;\n", "A;\nb;\n", "a;\nb;\nn;\n")["edits_on_separate_lines"] == 1)
        // Theirs changes nothing: no gap to measure, so the farthest.
        #expect(layout("a;\n", "b;\n", "a;\n")["edits_token_gap"] == 1)
    }

    /// The ranking head gives the probabilities PyTorch computed for the same weights and inputs
    /// (`training/rank_candidates.py --golden [--none-candidate]`), and refuses a file whose shapes do not fit.
    /// With a "none of these" row the candidates' probabilities sum to less than one, as in training.
    @Test(arguments: [("tiny.json", false), ("tiny-none.json", true)])
    func theRankingHeadMatchesPyTorch(fixture: String, scoresNone: Bool) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../fixtures/ranker/\(fixture)").standardized
        let ranker = try CandidateRanker(contentsOf: url)
        #expect(ranker.scoresNone == scoresNone)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let examples = try #require(document["examples"] as? [[String: Any]])
        #expect(examples.count == 3)
        for example in examples {
            let candidates = try #require(example["candidates"] as? [[String: Double]])
            let region = try #require(example["region"] as? [String: Double])
            let expected = try #require(example["probabilities"] as? [Double])
            let computed = ranker.probabilities(candidates: candidates, region: region)
            #expect(computed.count == expected.count)
            for (left, right) in zip(computed, expected) { #expect(abs(left - right) < 1e-9, "\(computed) against \(expected)") }
            let total = computed.reduce(0, +)
            #expect(scoresNone ? total < 1 - 1e-6 : abs(total - 1) < 1e-9)
        }
        var broken = document
        broken["mean"] = [0.0]
        let brokenURL = FileManager.default.temporaryDirectory.appendingPathComponent("ranker-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: broken).write(to: brokenURL)
        defer { try? FileManager.default.removeItem(at: brokenURL) }
        #expect(throws: CandidateRanker.LoadError.self) { try CandidateRanker(contentsOf: brokenURL) }
        // The weights are packed float32 (base64, `shape`); a shape the values do not fill is refused.
        var heads = try #require(document["heads"] as? [[String: Any]])
        var layers = try #require(heads[0]["layers"] as? [[String: Any]])
        #expect(layers[0]["weight_float32"] is String)
        layers[0]["shape"] = [3, 3]
        heads[0]["layers"] = layers
        var misshapen = document
        misshapen["heads"] = heads
        try JSONSerialization.data(withJSONObject: misshapen).write(to: brokenURL)
        #expect(throws: CandidateRanker.LoadError.self) { try CandidateRanker(contentsOf: brokenURL) }
    }

    /// `training/reproduce.sh` trains the shipped ranker without the edit layout's features, naming them
    /// itself; the names must stay the ones mine writes, or the reproduction would train on other inputs.
    @Test func theReproductionLeavesOutExactlyTheLayoutFeatures() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../training/reproduce.sh").standardized
        let line = try #require(try String(contentsOf: script, encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("LAYOUT=") })
        let names = line.dropFirst("LAYOUT=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")).split(separator: " ").map(String.init)
        #expect(Set(names) == Set(CandidateTexts.layoutFeatureNames) && names.count == CandidateTexts.layoutFeatureNames.count)
    }

    @Test func sideFeaturesOfAConflict() {
        let featurizer = Featurizer(vocabularySize: 1024, maximumLength: 64)
        let input = featurizer.views(base: tokenizer.tokenize("keep(1)"), ours: tokenizer.tokenize("keep(2, z)"),
                                     theirs: tokenizer.tokenize("keep(2)"))
        let names = ["region", "code", "language=java", "a_changes_in_b_changes", "b_changes_in_a_changes", "b_changes_within_a",
                     "a_changes_within_b", "same_changes", "b_changes_nothing", "a_o.length", "b_o.replace", "a_o.replace", "a_o.insert"]
        let values = SideFeatures.values(names: names, input: input, facts: ConflictFacts(isRegion: false, language: .java))
        // a's changed tokens {2, ",", z}: one of three among b's {2}; b's all within a; a's not within b. The
        // diff replaces `1` by `2, z` as one hunk: three replaced tokens on a's side (whitespace is not in the views).
        let expected: [Float] = [0, 1, 1, 1.0 / 3, 1, 1, 0, 0, 0, Float(log1p(6.0)), Float(log1p(1.0)), Float(log1p(3.0)), 0]
        for (name, (value, wanted)) in zip(names, zip(values, expected)) {
            #expect(abs(value - wanted) < 1e-6, "\(name): \(value) against \(wanted)")
        }
    }

    /// A model whose configuration names a feature this version cannot compute is refused as a whole.
    @Test func unknownSideFeaturesRefuseTheModel() throws {
        let directory = try CommandRunner.temporaryDirectory("model")
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../fixtures/encoder/tiny-features")
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        try Data("{\"threshold\": 0.9}".utf8).write(to: directory.appendingPathComponent("decision.json"))
        _ = try ResolutionModel(directory: directory)
        let file = directory.appendingPathComponent("config.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        var features = try #require(object["features"] as? [String])
        features[1] = "tabs_versus_spaces"
        object["features"] = features
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        #expect {
            try ResolutionModel(directory: directory)
        } throws: { "\($0)".contains("tabs_versus_spaces") }
    }
}
