import Foundation
import Testing
@testable import Encoder

/// The Swift forward pass against logits computed by `training/model.py`.
@Suite struct GoldenTests {
    @Test(arguments: ["tiny", "tiny-post-f16", "tiny-features"])
    func matchesPyTorch(fixture: String) throws {
        let directory = Fixtures.directory(fixture)
        let model = try MergeEncoderModel(directory: directory)
        let golden = try Fixtures.golden(in: directory)
        #expect(golden.examples.count >= 5)

        let batched = try model.logits(golden.examples.map(\.input))
        #expect(batched.count == golden.examples.count)
        for (example, logits) in zip(golden.examples, batched) {
            #expect(logits.count == model.configuration.labels.count)
            #expect(Fixtures.largestDifference(logits, example.logits) < golden.tolerance)
        }
        // One at a time gives the same answers as the packed batch.
        for (example, logits) in zip(golden.examples, batched) {
            let alone = try model.logits([example.input])[0]
            #expect(Fixtures.largestDifference(alone, logits) < 1e-5)
        }
    }

    @Test func featureModelsNeedTheirSideFeatures() throws {
        let directory = Fixtures.directory("tiny-features")
        let model = try MergeEncoderModel(directory: directory)
        #expect(model.configuration.features.count == 51)
        let example = try Fixtures.golden(in: directory).examples[0]
        #expect(throws: EncoderError.self) { try model.logits([EncoderInput(tokenIDs: example.tokenIDs, editTypes: example.editTypes)]) }
        var notFinite = example.input
        notFinite.features[3] = .nan
        #expect(throws: EncoderError.self) { try model.logits([notFinite]) }
        // Different features, different logits: they reach the classifier.
        var other = example.input
        other.features[0] = 1 - other.features[0]
        #expect(try model.logits([other])[0] != example.logits)
    }

    @Test func featureNamesMustBeDistinct() throws {
        var configuration = try Fixtures.tinyConfiguration()
        configuration.features = ["region", "region"]
        #expect(throws: EncoderError.self) { try configuration.validate() }
        configuration.features = ["region", "language=zig", "a_o.insert", "sides_jaccard"]
        try configuration.validate()
    }

    @Test func float32WeightsAreUsedInPlaceAndFloat16AreConverted() throws {
        #expect(try MergeEncoderModel(directory: Fixtures.directory("tiny")).copiedTensorCount == 0)
        #expect(try MergeEncoderModel(directory: Fixtures.directory("tiny-post-f16")).copiedTensorCount > 0)
    }

    /// The model that ships in models/ (F16 weights, side features) against the logits PyTorch computed for it.
    @Test func shippedModelMatchesPyTorch() throws {
        let model = try MergeEncoderModel(directory: Fixtures.shippedModel)
        let golden = try Fixtures.golden(in: Fixtures.shippedModel)
        let logits = try model.logits(golden.examples.map(\.input))
        for (example, computed) in zip(golden.examples, logits) {
            #expect(Fixtures.largestDifference(computed, example.logits) < golden.tolerance)
        }
    }

    @Test func trailingPaddingIsIgnored() throws {
        let directory = Fixtures.directory("tiny")
        let model = try MergeEncoderModel(directory: directory)
        let golden = try Fixtures.golden(in: directory)
        let padded = golden.examples.map { example in
            EncoderInput(tokenIDs: example.tokenIDs.map { $0 + [Int32](repeating: 0, count: 32 - $0.count) },
                         editTypes: example.editTypes.map { $0 + [Int32](repeating: 0, count: 32 - $0.count) })
        }
        for (example, logits) in zip(golden.examples, try model.logits(padded)) {
            #expect(Fixtures.largestDifference(logits, example.logits) < golden.tolerance)
        }
    }

    @Test func largeBatchesAreSplitIntoPassesWithoutChangingResults() throws {
        let directory = Fixtures.directory("tiny")
        let model = try MergeEncoderModel(directory: directory)
        let golden = try Fixtures.golden(in: directory)
        // About 50 tokens per example on average: over two passes' token budget.
        let repeated = Array(repeating: golden.examples, count: 16).flatMap { $0 }
        let totalTokens = repeated.reduce(0) { $0 + $1.tokenIDs.reduce(0) { $0 + $1.count } }
        #expect(totalTokens > 2 * MergeEncoderModel.tokensPerPass)
        let logits = try model.logits(repeated.map(\.input))
        #expect(logits.count == repeated.count)
        for (example, computed) in zip(repeated, logits) {
            #expect(Fixtures.largestDifference(computed, example.logits) < golden.tolerance)
        }
        #expect(try model.logits([]).isEmpty)
    }

    @Test func probabilitiesAreTheSoftmaxOfLogits() throws {
        let directory = Fixtures.directory("tiny")
        let model = try MergeEncoderModel(directory: directory)
        let inputs = try Fixtures.golden(in: directory).examples.map(\.input)
        let logits = try model.logits(inputs)
        let probabilities = try model.probabilities(inputs)
        for (row, probabilityRow) in zip(logits, probabilities) {
            #expect(abs(probabilityRow.reduce(0, +) - 1) < 1e-5)
            #expect(probabilityRow.allSatisfy { $0 > 0 && $0 < 1 })
            #expect(row.firstIndex(of: row.max()!) == probabilityRow.firstIndex(of: probabilityRow.max()!))
            // Ratios of probabilities are exponentials of logit differences.
            #expect(abs(log(probabilityRow[0] / probabilityRow[1]) - (row[0] - row[1])) < 1e-4)
        }
    }

    @Test func concurrentCallersGetIdenticalResults() async throws {
        let directory = Fixtures.directory("tiny")
        let model = try MergeEncoderModel(directory: directory)
        let inputs = try Fixtures.golden(in: directory).examples.map(\.input)
        let expected = try model.logits(inputs)
        let results = try await withThrowingTaskGroup(of: [[Float]].self) { group in
            for _ in 0..<8 {
                group.addTask { try model.logits(inputs) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 8)
        for result in results { #expect(result == expected) }
    }

    @Test func invalidInputsAreRejectedWithTypedErrors() throws {
        let model = try MergeEncoderModel(directory: Fixtures.directory("tiny"))
        let good: [Int32] = [2, 5, 6]
        let edits: [Int32] = [1, 1, 2]
        func rejects(_ input: EncoderInput) -> Bool {
            do {
                _ = try model.logits([EncoderInput(tokenIDs: [good, good, good, good], editTypes: [edits, edits, edits, edits]), input])
                return false
            } catch let EncoderError.invalidInput(example, _) {
                return example == 1
            } catch {
                return false
            }
        }
        #expect(rejects(EncoderInput(tokenIDs: [good, good, good], editTypes: [edits, edits, edits])))
        #expect(rejects(EncoderInput(tokenIDs: [good, good, good, [2, 64]], editTypes: [edits, edits, edits, [1, 1]])))
        #expect(rejects(EncoderInput(tokenIDs: [good, good, good, [2, -1]], editTypes: [edits, edits, edits, [1, 1]])))
        #expect(rejects(EncoderInput(tokenIDs: [good, good, good, [2, 0, 5]], editTypes: [edits, edits, edits, edits])))
        #expect(rejects(EncoderInput(tokenIDs: [good, good, good, good], editTypes: [edits, edits, edits, [1, 5, 1]])))
        #expect(rejects(EncoderInput(tokenIDs: [good, good, good, good], editTypes: [edits, edits, edits, [1, 1]])))
        let tooLong = [Int32](repeating: 7, count: 33)
        #expect(rejects(EncoderInput(tokenIDs: [good, good, good, tooLong], editTypes: [edits, edits, edits, [Int32](repeating: 1, count: 33)])))
    }
}
