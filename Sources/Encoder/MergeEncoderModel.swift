import Foundation

/// The merge-conflict classifier: a model directory loaded once, then queried from any thread.
///
/// A model directory holds `config.json` (see `EncoderConfiguration`) and `model.safetensors`.
/// Loading maps the weights and uses float32 tensors in place, so opening a model costs little more
/// than parsing its header.
public final class MergeEncoderModel: Sendable {
    public let configuration: EncoderConfiguration
    private let encoder: TransformerEncoder
    private let workspaces = WorkspacePool()

    /// The most packed tokens one forward pass holds; larger batches are split. Bounds workspace memory
    /// (about 10 KB per token at width 256, ffn 1024) and keeps the activations of a pass near the
    /// cache: 2048 measured faster than 4096 at batch 8 and no slower at batch 1.
    public static let tokensPerPass = 2048

    /// Loads `config.json` and `model.safetensors` from `directory`.
    ///
    /// - Parameter blasThreads: OpenBLAS threads for this process (a process-wide setting); one by default.
    public convenience init(directory: URL, blasThreads: Int = 1) throws {
        let configuration = try EncoderConfiguration(contentsOf: directory.appendingPathComponent("config.json"))
        let weights = try SafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors"))
        try self.init(configuration: configuration, weights: weights, blasThreads: blasThreads)
    }

    /// Builds a model from a configuration and already-opened weights.
    public init(configuration: EncoderConfiguration, weights: SafeTensors, blasThreads: Int = 1) throws {
        try configuration.validate()
        self.configuration = configuration
        self.encoder = try TransformerEncoder(configuration: configuration, store: WeightStore(file: weights))
        MatrixMultiply.setThreadCount(blasThreads)
    }

    /// How many tensors had to be converted or copied out of the file (F16, misaligned F32).
    public var copiedTensorCount: Int { encoder.store.copiedTensorCount }

    /// Unnormalised scores, one array of `configuration.labels.count` values per example.
    public func logits(_ batch: [EncoderInput]) throws -> [[Float]] {
        let packed = try pack(batch)
        var results: [[Float]] = []
        results.reserveCapacity(batch.count)
        let workspace = workspaces.take()
        defer { workspaces.giveBack(workspace) }

        var first = 0
        while first < batch.count {
            // Greedily fill a pass up to the token budget; a pass always takes at least one example.
            var last = first + 1
            var tokens = packed.exampleTokenCounts[first]
            while last < batch.count, tokens + packed.exampleTokenCounts[last] <= Self.tokensPerPass {
                tokens += packed.exampleTokenCounts[last]
                last += 1
            }
            let spans = Array(packed.spans[first * 4 ..< last * 4])
            let base = spans[0].start
            let rebased = spans.map { TransformerEncoder.SequenceSpan(start: $0.start - base, length: $0.length) }
            let tokenIDs = Array(packed.tokenIDs[base ..< base + tokens])
            let editTypes = Array(packed.editTypes[base ..< base + tokens])
            workspace.reserve(configuration: configuration, tokens: tokens, sequences: rebased.count,
                              longest: rebased.map(\.length).max() ?? 0)
            encoder.encode(tokenIDs: tokenIDs, editTypes: editTypes, spans: rebased, workspace: workspace)
            for example in 0..<(last - first) {
                results.append(encoder.classify(pooled: workspace.pooled.pointer + example * 4 * configuration.width,
                                                features: packed.features[first + example]))
            }
            first = last
        }
        return results
    }

    /// Softmax of `logits`: one probability per label, summing to one.
    public func probabilities(_ batch: [EncoderInput]) throws -> [[Float]] {
        try logits(batch).map { logits in
            let maximum = logits.max() ?? 0
            let exponentials = logits.map { Foundation.exp($0 - maximum) }
            let sum = exponentials.reduce(0, +)
            return exponentials.map { $0 / sum }
        }
    }

    /// The batch flattened into the packed layout, after checking every id.
    private struct PackedBatch {
        var tokenIDs: [Int32] = []
        var editTypes: [Int32] = []
        var spans: [TransformerEncoder.SequenceSpan] = []
        var exampleTokenCounts: [Int] = []
        /// Side features per example (empty when the configuration names none).
        var features: [[Float]] = []
    }

    private func pack(_ batch: [EncoderInput]) throws -> PackedBatch {
        var packed = PackedBatch()
        let total = batch.reduce(0) { $0 + $1.tokenIDs.reduce(0) { $0 + $1.count } }
        packed.tokenIDs.reserveCapacity(total)
        packed.editTypes.reserveCapacity(total)
        for (exampleIndex, example) in batch.enumerated() {
            guard example.tokenIDs.count == EncoderInput.sequenceCount, example.editTypes.count == EncoderInput.sequenceCount else {
                throw EncoderError.invalidInput(example: exampleIndex, reason: "expected \(EncoderInput.sequenceCount) token and edit-type sequences, got \(example.tokenIDs.count) and \(example.editTypes.count)")
            }
            var exampleTokens = 0
            for sequence in 0..<EncoderInput.sequenceCount {
                let tokenIDs = example.tokenIDs[sequence], editTypes = example.editTypes[sequence]
                guard tokenIDs.count == editTypes.count else {
                    throw EncoderError.invalidInput(example: exampleIndex, reason: "sequence \(sequence) has \(tokenIDs.count) tokens but \(editTypes.count) edit types")
                }
                // Trailing padding is dropped; padding anywhere else would need a mask the packed layout
                // does not carry, and the featurizer never produces it.
                var length = tokenIDs.count
                while length > 0, tokenIDs[length - 1] == SpecialToken.padding { length -= 1 }
                guard length <= configuration.maximumLength else {
                    throw EncoderError.invalidInput(example: exampleIndex, reason: "sequence \(sequence) has \(length) tokens, more than max_length \(configuration.maximumLength); truncate it first")
                }
                for position in 0..<length {
                    let token = tokenIDs[position], editType = editTypes[position]
                    guard token > SpecialToken.padding, Int(token) < configuration.vocabularySize else {
                        throw EncoderError.invalidInput(example: exampleIndex, reason: "sequence \(sequence) position \(position) has token id \(token), outside 1..<\(configuration.vocabularySize) (0 is padding and may only trail)")
                    }
                    guard editType >= 0, Int(editType) < configuration.editTypes else {
                        throw EncoderError.invalidInput(example: exampleIndex, reason: "sequence \(sequence) position \(position) has edit type \(editType), outside 0..<\(configuration.editTypes)")
                    }
                }
                packed.spans.append(.init(start: packed.tokenIDs.count, length: length))
                packed.tokenIDs.append(contentsOf: tokenIDs[0..<length])
                packed.editTypes.append(contentsOf: editTypes[0..<length])
                exampleTokens += length
            }
            packed.exampleTokenCounts.append(exampleTokens)
            guard example.features.count == configuration.features.count else {
                throw EncoderError.invalidInput(example: exampleIndex, reason: "it carries \(example.features.count) side features but the model reads \(configuration.features.count)")
            }
            guard example.features.allSatisfy(\.isFinite) else {
                throw EncoderError.invalidInput(example: exampleIndex, reason: "a side feature is not a finite number")
            }
            packed.features.append(example.features)
        }
        return packed
    }
}

/// Spare workspaces, so that concurrent callers each get their own and sequential ones reuse memory.
private final class WorkspacePool: @unchecked Sendable {
    // Unchecked Sendable: `spare` is only touched under `lock`.
    private let lock = NSLock()
    private var spare: [Workspace] = []
    private let maximumSpare = 4

    func take() -> Workspace {
        lock.withLock { spare.popLast() } ?? Workspace()
    }

    func giveBack(_ workspace: Workspace) {
        lock.withLock {
            if spare.count < maximumSpare { spare.append(workspace) }
        }
    }
}
