import Foundation
import Testing
import MergeCore
import Resolver
import TestSupport

/// The resolver's decision with a model: whole-region patterns, the token level, the threshold, safety.
@Suite struct ModelDecisionTests {
    let markers = ConflictMarkers(oursLabel: "ours", baseLabel: "base", theirsLabel: "theirs")
    // One region whose token merge leaves one conflict (same token changed on both sides).
    let base = Array("x\ncall(alpha, beta);\ny\n".utf8)
    let ours = Array("x\ncall(gamma, beta);\ny\n".utf8)
    let theirs = Array("x\ncall(delta, beta);\ny\n".utf8)

    func model(_ bias: [String: Float], withTokenLabel: Bool = true, withOtherLabel: Bool = false) throws -> (ResolutionModel, URL) {
        let directory = try CommandRunner.temporaryDirectory("model")
        try BiasedModel.write(to: directory, bias: bias, withTokenLabel: withTokenLabel, withOtherLabel: withOtherLabel)
        return (try ResolutionModel(directory: directory), directory)
    }

    func resolve(with model: ResolutionModel, threshold: Double? = nil) throws -> Resolution {
        var options = ResolverOptions(markers: markers, path: "A.java")
        options.model = model
        options.threshold = threshold
        return try Resolver(options: options).resolve(base: base, ours: ours, theirs: theirs)
    }

    /// Concatenating the sides can glue their edge tokens into one no input has: refused, as written.
    @Test func gluedTokensAreInventedTokens() throws {
        let (model, directory) = try model(["AB": 5])
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = ResolverOptions(markers: markers, path: "A.java")
        options.model = model
        options.threshold = 0
        let result = try Resolver(options: options).resolve(base: Array("x\n".utf8), ours: Array("x\nresult".utf8), theirs: Array("x\nif".utf8))
        let region = try #require(result.report.regions.first)
        #expect(region.fate == .left, "\(region)")
        #expect(region.reason.contains("found in no input"), "\(region.reason)")
        #expect(!String(decoding: result.text, as: UTF8.self).contains("resultif"))
    }

    @Test func aWholeRegionPatternResolvesTheRegion() throws {
        let (model, directory) = try model(["B": 5])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(model.decidesRegions && model.policy == DecisionPolicy(threshold: 0.5))
        let result = try resolve(with: model)
        #expect(result.text == theirs)
        #expect(result.isClean)
        let region = try #require(result.report.regions.first)
        #expect(region.fate == .modelResolved && region.method == "B")
        // B's share of a softmax of a bias of 5 against nine zeros, plus TOKEN's (1 of the same softmax): the token
        // level writes the same text, theirs, with its conflict's B and B-O (equal texts) as one candidate.
        let tokenLevel = (exp(5.0) + 1) / (exp(5.0) + 8)
        #expect(abs((region.probability ?? 0) - (exp(5.0) + tokenLevel) / (exp(5.0) + 9)) < 1e-4)
    }

    /// This region is one line both sides changed differently: taking theirs drops ours' `gamma`, so the
    /// clash family's threshold applies, not the pattern threshold.
    @Test func oneSideOfAClashHasItsOwnThreshold() throws {
        let (_, directory) = try model(["B": 5])
        defer { try? FileManager.default.removeItem(at: directory) }
        let decision = directory.appendingPathComponent("decision.json")
        try Data("{\"thresholds\": {\"token_merge\": 0.5, \"pattern\": 0.5, \"token_patterns\": 0.5, \"one_side_of_clash\": 0.99}}".utf8).write(to: decision)
        let region = try #require(try resolve(with: try ResolutionModel(directory: directory)).report.regions.first)
        #expect(region.fate == .left && region.reason.contains("below the threshold 0.99"), "\(region.reason)")
        // A decision.json from before the family gives it the pattern threshold.
        try Data("{\"thresholds\": {\"token_merge\": 0.5, \"pattern\": 0.5, \"token_patterns\": 0.5}}".utf8).write(to: decision)
        let old = try #require(try resolve(with: try ResolutionModel(directory: directory)).report.regions.first)
        #expect(old.fate == .modelResolved && old.method == "B", "\(old.reason)")
    }

    /// Theirs already holds ours' change (`gamma`), so the clean token merge writes theirs: the family of a
    /// side holding both changes, with its own threshold; a decision.json from before it gives it the token
    /// merge's.
    @Test func aSideHoldingBothChangesHasItsOwnThreshold() throws {
        let (_, directory) = try model(["TOKEN": 5])
        defer { try? FileManager.default.removeItem(at: directory) }
        let decision = directory.appendingPathComponent("decision.json")
        func region() throws -> RegionReport {
            var options = ResolverOptions(markers: markers, path: "A.java")
            options.model = try ResolutionModel(directory: directory)
            let result = try Resolver(options: options).resolve(base: base, ours: ours, theirs: Array("x\ncall(gamma, delta);\ny\n".utf8))
            return try #require(result.report.regions.first)
        }
        try Data("{\"thresholds\": {\"token_merge\": 0.5, \"pattern\": 0.5, \"token_patterns\": 0.5, \"one_side_of_clash\": 0.5, \"side_holding_both_changes\": 0.99}}".utf8).write(to: decision)
        let held = try region()
        #expect(held.fate == .left && held.reason.contains("(one side holds both changes)") && held.reason.contains("below the threshold 0.99"), "\(held.reason)")
        try Data("{\"thresholds\": {\"token_merge\": 0.5, \"pattern\": 0.99, \"token_patterns\": 0.99, \"one_side_of_clash\": 0.99}}".utf8).write(to: decision)
        let old = try region()
        #expect(old.fate == .tokenMerged && old.reason.hasPrefix("token merge (one side holds both changes) at p="), "\(old.reason)")
    }

    @Test func theTokenLevelAppliesAPatternPerTokenConflict() throws {
        let (model, directory) = try model(["TOKEN": 6, "AB": 3])
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try resolve(with: model)
        let region = try #require(result.report.regions.first)
        #expect(region.method == "token_patterns" && region.tokenPatterns == ["AB"])
        // AB glues `gamma` and `delta` into `gammadelta`, a token no input has: chosen, then refused.
        #expect(region.fate == .left && region.reason.contains("found in no input"), "\(region.reason)")
        // AB and AB-O write the same text for this conflict: one candidate, their probabilities summed.
        let token = exp(6.0) / (exp(6.0) + exp(3.0) + 8), conflict = (exp(3.0) + 1) / (exp(3.0) + 8)
        #expect(abs((region.probability ?? 0) - token * conflict) < 1e-4)
    }

    @Test func belowTheThresholdTheRegionKeepsGitsMarkers() throws {
        let (model, directory) = try model(["B": 5])
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try resolve(with: model, threshold: 0.99)
        #expect(!result.isClean)
        #expect(String(decoding: result.text, as: UTF8.self).contains("<<<<<<< ours\ncall(gamma, beta);\n=======\n"))
        #expect(result.report.regions.first?.reason.contains("below the threshold") == true)
        #expect(result.regionOutcomes[0]?.candidate == Array("call(delta, beta);\n".utf8))
    }

    @Test func otherIsNeverTheAnswerButItsDoubtLowersTheConfidence() throws {
        let (model, directory) = try model(["OTHER": 6, "B": 3], withOtherLabel: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let doubtful = try resolve(with: model)
        #expect(!doubtful.isClean)
        let region = try #require(doubtful.report.regions.first)
        #expect(region.method == "B" && region.reason.contains("below the threshold"))
        // B, plus the token level writing the same text (its conflict's B and B-O, OTHER kept in the total).
        let tokenLevel = (exp(3.0) + 1) / (exp(6.0) + exp(3.0) + 8)
        #expect(abs((region.probability ?? 0) - (exp(3.0) + tokenLevel) / (exp(6.0) + exp(3.0) + 9)) < 1e-4)
        // Asked to answer everything, it answers with the best pattern, never with OTHER.
        #expect(try resolve(with: model, threshold: 0).text == theirs)
    }

    @Test func tokenConflictsKeepOtherButNotTokenInTheirTotal() throws {
        let (model, directory) = try model(["TOKEN": 6, "AB": 3, "OTHER": 2], withOtherLabel: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try resolve(with: model, threshold: 0)
        let region = try #require(result.report.regions.first)
        #expect(region.method == "token_patterns" && region.tokenPatterns == ["AB"])
        let token = exp(6.0) / (exp(6.0) + exp(3.0) + exp(2.0) + 8), conflict = (exp(3.0) + 1) / (exp(3.0) + exp(2.0) + 8)
        #expect(abs((region.probability ?? 0) - token * conflict) < 1e-4)
    }

    @Test func aModelWithoutTokenOutputClassifiesTokenConflictsOnly() throws {
        let (model, directory) = try model(["A": 4], withTokenLabel: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(!model.decidesRegions)
        let result = try resolve(with: model)
        #expect(result.text == ours)
        #expect(result.report.regions.first?.tokenPatterns == ["A"])
    }

    @Test func missingAndCorruptModelsAreRejectedWithAReason() throws {
        let directory = try CommandRunner.temporaryDirectory("bad-model")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: ResolutionModel.LoadError.self) { try ResolutionModel(directory: directory) }
        try BiasedModel.write(to: directory, bias: ["B": 5])
        let weights = directory.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: weights)
        try data.prefix(data.count / 2).write(to: weights)
        do {
            _ = try ResolutionModel(directory: directory)
            Issue.record("a truncated model loaded")
        } catch let error as ResolutionModel.LoadError {
            #expect(error.description.contains("cannot be used"))
        }
    }

    /// A linear ranking head, one weight per named candidate feature, written beside a biased encoder.
    func writeRanker(_ weights: [String: Double], to directory: URL) throws {
        let names = weights.keys.sorted()
        let document: [String: Any] = [
            "candidate_features": names, "region_features": ["region"],
            "mean": Array(repeating: 0.0, count: names.count + 1), "std": Array(repeating: 1.0, count: names.count + 1),
            "heads": [["layers": [["weight": [names.map { weights[$0]! } + [0]], "bias": [0.0]]]]],
        ]
        try JSONSerialization.data(withJSONObject: document).write(to: directory.appendingPathComponent(ResolutionModel.rankerFile))
    }

    /// With `ranker.json` the region's candidate texts are scored by the ranker: a softmax over the distinct
    /// texts of the region, here one weight on "equals theirs".
    @Test func aRankerScoresTheCandidateTexts() throws {
        let directory = try CommandRunner.temporaryDirectory("model")
        defer { try? FileManager.default.removeItem(at: directory) }
        try BiasedModel.write(to: directory, bias: ["A": 5])
        try writeRanker(["equals_theirs": 4], to: directory)
        let model = try ResolutionModel(directory: directory)
        #expect(model.ranker != nil)
        let result = try resolve(with: model, threshold: 0.5)
        #expect(result.text == theirs, "the ranker, not the encoder's A, decides")
        let outcome = try #require(result.regionOutcomes[0])
        #expect(outcome.scorer == .ranker)
        let texts = CandidateTexts.of(TokenMerge(base: Tokenizer(language: .java).tokenize(Array("call(alpha, beta);\n".utf8)),
                                                 ours: Tokenizer(language: .java).tokenize(Array("call(gamma, beta);\n".utf8)),
                                                 theirs: Tokenizer(language: .java).tokenize(Array("call(delta, beta);\n".utf8))))
        #expect(outcome.candidates.count == texts.count)
        #expect(abs((outcome.probability ?? 0) - exp(4.0) / (exp(4.0) + Double(texts.count - 1))) < 1e-9)
    }

    /// The ranker reads the encoder's probability of each text: the same ranker follows the encoder.
    @Test func theRankerReadsTheEncodersProbabilityOfEachText() throws {
        for (bias, expected) in [("A", ours), ("B", theirs)] {
            let directory = try CommandRunner.temporaryDirectory("model")
            defer { try? FileManager.default.removeItem(at: directory) }
            try BiasedModel.write(to: directory, bias: [bias: 6])
            try writeRanker([CandidateTexts.encoderProbability: 8], to: directory)
            let result = try resolve(with: try ResolutionModel(directory: directory), threshold: 0.5)
            #expect(result.text == expected, "encoder biased to \(bias)")
        }
    }

    @Test func aRankerNamingAFeatureThisVersionLacksIsRefused() throws {
        let directory = try CommandRunner.temporaryDirectory("model")
        defer { try? FileManager.default.removeItem(at: directory) }
        try BiasedModel.write(to: directory, bias: ["A": 5])
        try writeRanker(["mystery": 1], to: directory)
        do {
            _ = try ResolutionModel(directory: directory)
            Issue.record("a ranker with an unknown feature loaded")
        } catch let error as ResolutionModel.LoadError {
            #expect(error.description.contains("mystery"))
        }
    }

    /// What the file's other regions say reaches the ranker: the same region, alone in its file or with two
    /// more like it, gets the probability the head computes from `file.regions` (log(1 + regions)).
    @Test func theRankerReadsWhatTheFilesOtherRegionsSay() throws {
        let directory = try CommandRunner.temporaryDirectory("model")
        defer { try? FileManager.default.removeItem(at: directory) }
        try BiasedModel.write(to: directory, bias: ["A": 5])
        // One hidden unit, open only for theirs' text in a file of several regions: GELU(10 theirs + 10 regions - 15).
        let document: [String: Any] = [
            "candidate_features": ["equals_theirs"], "region_features": ["region", FileContext.regionCountName],
            "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0],
            "heads": [["layers": [["weight": [[10.0, 0.0, 10.0]], "bias": [-15.0]], ["weight": [[1.0]], "bias": [0.0]]]]],
        ]
        try JSONSerialization.data(withJSONObject: document).write(to: directory.appendingPathComponent(ResolutionModel.rankerFile))
        let model = try ResolutionModel(directory: directory)
        #expect(model.readsFileContext)
        var options = ResolverOptions(markers: markers, path: "A.java")
        options.model = model
        options.threshold = 0.9
        let resolver = Resolver(options: options)
        let gap = String(repeating: "keep();\n", count: 4)
        func file(_ line: String, regions: Int) -> [UInt8] { Array(Array(repeating: "x\n\(line)\ny\n" + gap, count: regions).joined().utf8) }
        let alone = try resolver.resolve(base: base, ours: ours, theirs: theirs)
        let three = try resolver.resolve(base: file("call(alpha, beta);", regions: 3), ours: file("call(gamma, beta);", regions: 3),
                                         theirs: file("call(delta, beta);", regions: 3))
        #expect(three.report.regions.count == 3)
        let candidates = try #require(alone.regionOutcomes[0]).candidates.count
        func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }
        func expected(regions: Int) -> Double {
            let theirsScore = gelu(10 + 10 * log1p(Double(regions)) - 15), otherScore = gelu(10 * log1p(Double(regions)) - 15)
            return exp(theirsScore) / (exp(theirsScore) + Double(candidates - 1) * exp(otherScore))
        }
        let single = try #require(alone.regionOutcomes[0]?.probability), crowded = try #require(three.regionOutcomes[1]?.probability)
        #expect(abs(single - expected(regions: 1)) < 1e-9 && single < 0.9, "alone: left (p=\(single))")
        #expect(abs(crowded - expected(regions: 3)) < 1e-9 && crowded > 0.9, "with two more: theirs (p=\(crowded))")
        #expect(three.text == file("call(delta, beta);", regions: 3))
        #expect(!alone.isClean)
    }

    /// The context is the mean of each side feature over the file's regions, without the language.
    @Test func theFileContextIsTheMeanOverTheFilesRegions() {
        let tokenizer = Tokenizer(language: .java), featurizer = Featurizer(vocabularySize: 1024, maximumLength: 64)
        func merge(_ base: String, _ ours: String, _ theirs: String) -> TokenMerge {
            TokenMerge(base: tokenizer.tokenize(Array(base.utf8)), ours: tokenizer.tokenize(Array(ours.utf8)), theirs: tokenizer.tokenize(Array(theirs.utf8)))
        }
        let clean = merge("f(a, b);\n", "f(c, b);\n", "f(a, d);\n"), clashing = merge("f(a);\n", "f(b);\n", "f(c);\n")
        let context = FileContext(regions: [clean, clashing, clashing, clashing], language: .java, featurizer: featurizer)
        #expect(context.features["file.token_merge_clean"] == 0.25)
        #expect(context.features["file.token_conflicts"] == 0.75 * log1p(1))
        #expect(context.features[FileContext.regionCountName] == log1p(4))
        #expect(!context.features.keys.contains { $0.contains("language=") })
        #expect(context.features.keys.allSatisfy(FileContext.isKnown))
        #expect(!FileContext.isKnown("file.language=java") && !FileContext.isKnown("token_merge_clean") && !FileContext.isKnown("file.mystery"))
        #expect(FileContext(regions: [], language: .java, featurizer: featurizer) == .empty)
    }
}
