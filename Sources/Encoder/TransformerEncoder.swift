/// The Transformer encoder and classifier head: the whole forward pass, in one file.
///
/// Sequences are *packed*: the tokens of every sequence of every example in a batch are stacked into
/// one tokens x width matrix with no padding rows. Every per-token step (embeddings, projections,
/// feed-forward, layer norms) is then one large matrix product over all of them, and attention runs
/// per sequence over exactly that sequence's keys. This computes what a padded batch with a key
/// padding mask computes (masked keys get zero weight, padded rows are excluded from pooling)
/// without spending time on padding.
///
/// Tensor names are those of `training/model.py`; Linear weights keep PyTorch's out x in layout and
/// are multiplied transposed, so nothing is rearranged at load time.
///
/// Unchecked Sendable: all stored pointers refer to memory owned by `store`, never written after init.
struct TransformerEncoder: @unchecked Sendable {
    /// The parameters of one layer.
    struct Layer {
        var queryKeyValueWeight, queryKeyValueBias: UnsafePointer<Float>
        var outputWeight, outputBias: UnsafePointer<Float>
        var attentionNormWeight, attentionNormBias: UnsafePointer<Float>
        var upWeight, upBias: UnsafePointer<Float>
        var downWeight, downBias: UnsafePointer<Float>
        var feedForwardNormWeight, feedForwardNormBias: UnsafePointer<Float>
    }

    /// Where one sequence sits in the packed token matrix.
    struct SequenceSpan {
        var start: Int
        var length: Int
    }

    let configuration: EncoderConfiguration
    let store: WeightStore
    let tokenEmbedding, positionEmbedding, editTypeEmbedding: UnsafePointer<Float>
    /// Post-norm only: normalisation of the summed embeddings.
    let embeddingNorm: (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>)?
    /// Pre-norm only: normalisation after the last layer.
    let finalNorm: (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>)?
    let layers: [Layer]
    /// The learned weight of each of the four pooled sequence vectors.
    let sequenceWeights: UnsafePointer<Float>
    let classifierWeight, classifierBias: UnsafePointer<Float>
    /// With side features: their projection into the pooled space and the residual GELU layer after it.
    let featureHead: (projectionWeight: UnsafePointer<Float>, projectionBias: UnsafePointer<Float>,
                      hiddenWeight: UnsafePointer<Float>, hiddenBias: UnsafePointer<Float>)?

    /// Resolves and shape-checks every tensor the configuration requires.
    init(configuration: EncoderConfiguration, store: WeightStore) throws {
        self.configuration = configuration
        self.store = store
        let width = configuration.width, ffn = configuration.feedForwardWidth
        tokenEmbedding = try store.view("embeddings.token.weight", shape: [configuration.vocabularySize, width])
        positionEmbedding = try store.view("embeddings.position.weight", shape: [configuration.maximumLength, width])
        editTypeEmbedding = try store.view("embeddings.edit_type.weight", shape: [configuration.editTypes, width])
        func norm(_ prefix: String) throws -> (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>) {
            (try store.view("\(prefix).weight", shape: [width]), try store.view("\(prefix).bias", shape: [width]))
        }
        switch configuration.normPlacement {
        case .pre:
            embeddingNorm = nil
            finalNorm = try norm("final_norm")
        case .post:
            embeddingNorm = try norm("embeddings.norm")
            finalNorm = nil
        }
        layers = try (0..<configuration.layers).map { index in
            let prefix = "layers.\(index)"
            let attentionNorm = try norm("\(prefix).attention_norm")
            let feedForwardNorm = try norm("\(prefix).feed_forward_norm")
            return Layer(
                queryKeyValueWeight: try store.view("\(prefix).attention.qkv.weight", shape: [3 * width, width]),
                queryKeyValueBias: try store.view("\(prefix).attention.qkv.bias", shape: [3 * width]),
                outputWeight: try store.view("\(prefix).attention.output.weight", shape: [width, width]),
                outputBias: try store.view("\(prefix).attention.output.bias", shape: [width]),
                attentionNormWeight: attentionNorm.weight, attentionNormBias: attentionNorm.bias,
                upWeight: try store.view("\(prefix).feed_forward.up.weight", shape: [ffn, width]),
                upBias: try store.view("\(prefix).feed_forward.up.bias", shape: [ffn]),
                downWeight: try store.view("\(prefix).feed_forward.down.weight", shape: [width, ffn]),
                downBias: try store.view("\(prefix).feed_forward.down.bias", shape: [width]),
                feedForwardNormWeight: feedForwardNorm.weight, feedForwardNormBias: feedForwardNorm.bias)
        }
        sequenceWeights = try store.view("sequence_weights", shape: [EncoderInput.sequenceCount])
        classifierWeight = try store.view("classifier.weight", shape: [configuration.labels.count, width])
        classifierBias = try store.view("classifier.bias", shape: [configuration.labels.count])
        let features = configuration.features.count
        featureHead = features == 0 ? nil : (
            projectionWeight: try store.view("feature_projection.weight", shape: [width, features]),
            projectionBias: try store.view("feature_projection.bias", shape: [width]),
            hiddenWeight: try store.view("head.weight", shape: [width, width]),
            hiddenBias: try store.view("head.bias", shape: [width]))
    }

    /// Encodes packed sequences and writes one mean-pooled vector per sequence into `workspace.pooled`.
    ///
    /// `tokenIDs` and `editTypes` hold every sequence's positions back to back, as described by `spans`;
    /// the caller has checked every id against the configuration.
    func encode(tokenIDs: [Int32], editTypes: [Int32], spans: [SequenceSpan], workspace: Workspace) {
        let width = configuration.width
        let tokens = tokenIDs.count
        let hidden = workspace.hidden.pointer

        // Embeddings: token + position (restarting at 0 in every sequence) + edit type.
        for span in spans {
            for position in 0..<span.length {
                let row = span.start + position
                let destination = hidden + row * width
                destination.update(from: tokenEmbedding + Int(tokenIDs[row]) * width, count: width)
                VectorKernels.accumulate(destination, positionEmbedding + position * width, count: width)
                VectorKernels.accumulate(destination, editTypeEmbedding + Int(editTypes[row]) * width, count: width)
            }
        }
        if let embeddingNorm {
            VectorKernels.layerNorm(hidden, into: hidden, rows: tokens, width: width,
                                    weight: embeddingNorm.weight, bias: embeddingNorm.bias,
                                    epsilon: configuration.layerNormEpsilon)
        }

        for layer in layers {
            switch configuration.normPlacement {
            case .pre: preNormLayer(layer, tokens: tokens, spans: spans, workspace: workspace)
            case .post: postNormLayer(layer, tokens: tokens, spans: spans, workspace: workspace)
            }
        }

        if let finalNorm {
            VectorKernels.layerNorm(hidden, into: hidden, rows: tokens, width: width,
                                    weight: finalNorm.weight, bias: finalNorm.bias,
                                    epsilon: configuration.layerNormEpsilon)
        }

        // Mean over each sequence's positions; an empty sequence pools to zero, as in PyTorch where
        // the count is clamped to one.
        let pooled = workspace.pooled.pointer
        for (index, span) in spans.enumerated() {
            let destination = pooled + index * width
            destination.update(repeating: 0, count: width)
            for position in 0..<span.length {
                VectorKernels.accumulate(destination, hidden + (span.start + position) * width, count: width)
            }
            if span.length > 1 {
                let inverse = 1 / Float(span.length)
                for column in 0..<width { destination[column] *= inverse }
            }
        }
    }

    /// x = x + attention(norm(x)); x = x + feedForward(norm(x)).
    private func preNormLayer(_ layer: Layer, tokens: Int, spans: [SequenceSpan], workspace: Workspace) {
        let width = configuration.width, epsilon = configuration.layerNormEpsilon
        let hidden = workspace.hidden.pointer, normalised = workspace.normalised.pointer

        VectorKernels.layerNorm(hidden, into: normalised, rows: tokens, width: width,
                                weight: layer.attentionNormWeight, bias: layer.attentionNormBias, epsilon: epsilon)
        attention(layer, input: normalised, tokens: tokens, spans: spans, workspace: workspace)
        // The output projection accumulates straight into the residual stream (beta 1), bias added first.
        VectorKernels.addToRows(hidden, rows: tokens, columns: width, vector: layer.outputBias)
        MatrixMultiply.linear(workspace.context.pointer, rows: tokens, inputs: width,
                              weight: layer.outputWeight, outputs: width, into: hidden, accumulate: true)

        VectorKernels.layerNorm(hidden, into: normalised, rows: tokens, width: width,
                                weight: layer.feedForwardNormWeight, bias: layer.feedForwardNormBias, epsilon: epsilon)
        feedForward(layer, input: normalised, tokens: tokens, workspace: workspace)
    }

    /// x = norm(x + attention(x)); x = norm(x + feedForward(x)).
    private func postNormLayer(_ layer: Layer, tokens: Int, spans: [SequenceSpan], workspace: Workspace) {
        let width = configuration.width, epsilon = configuration.layerNormEpsilon
        let hidden = workspace.hidden.pointer

        attention(layer, input: hidden, tokens: tokens, spans: spans, workspace: workspace)
        VectorKernels.addToRows(hidden, rows: tokens, columns: width, vector: layer.outputBias)
        MatrixMultiply.linear(workspace.context.pointer, rows: tokens, inputs: width,
                              weight: layer.outputWeight, outputs: width, into: hidden, accumulate: true)
        VectorKernels.layerNorm(hidden, into: hidden, rows: tokens, width: width,
                                weight: layer.attentionNormWeight, bias: layer.attentionNormBias, epsilon: epsilon)

        feedForward(layer, input: hidden, tokens: tokens, workspace: workspace)
        VectorKernels.layerNorm(hidden, into: hidden, rows: tokens, width: width,
                                weight: layer.feedForwardNormWeight, bias: layer.feedForwardNormBias, epsilon: epsilon)
    }

    /// Multi-head self-attention of `input` into `workspace.context` (before the output projection).
    private func attention(_ layer: Layer, input: UnsafePointer<Float>, tokens: Int, spans: [SequenceSpan], workspace: Workspace) {
        let width = configuration.width, headWidth = configuration.headWidth
        let queryKeyValue = workspace.queryKeyValue.pointer
        let context = workspace.context.pointer
        let scores = workspace.scores.pointer

        // One product for Q, K and V of every token: rows are [q | k | v], heads contiguous within each.
        VectorKernels.broadcastRows(queryKeyValue, rows: tokens, columns: 3 * width, vector: layer.queryKeyValueBias)
        MatrixMultiply.linear(input, rows: tokens, inputs: width, weight: layer.queryKeyValueWeight,
                              outputs: 3 * width, into: queryKeyValue, accumulate: true)

        let scale = 1 / Float(headWidth).squareRoot()
        for span in spans where span.length > 0 {
            let length = span.length
            let rows = queryKeyValue + span.start * 3 * width
            for head in 0..<configuration.heads {
                let query = rows + head * headWidth
                let key = query + width
                let value = query + 2 * width
                // scores = scale * Q K^T over this sequence's keys only: the padding mask, for free.
                MatrixMultiply.multiply(rows: length, columns: length, inner: headWidth,
                                        query, leadingA: 3 * width, key, leadingB: 3 * width, transposeB: true,
                                        into: scores, leadingC: length, alpha: scale)
                VectorKernels.softmaxRows(scores, rows: length, columns: length, stride: length)
                // This head's slice of the context rows.
                MatrixMultiply.multiply(rows: length, columns: headWidth, inner: length,
                                        scores, leadingA: length, value, leadingB: 3 * width, transposeB: false,
                                        into: context + span.start * width + head * headWidth, leadingC: width)
            }
        }
    }

    /// Rows per block of the feed-forward network: a block's activations (rows x ffn, 1 MB at ffn 1024)
    /// stay in cache from the up product through GELU to the down product, and the workspace holds one
    /// block instead of every token's activations. Speed measured the same as unblocked, within noise.
    static let feedForwardRowBlock = 256

    /// hidden += down(gelu(up(input))), biases included, in blocks of rows.
    private func feedForward(_ layer: Layer, input: UnsafePointer<Float>, tokens: Int, workspace: Workspace) {
        let width = configuration.width, ffn = configuration.feedForwardWidth
        let hidden = workspace.hidden.pointer, activations = workspace.feedForward.pointer
        for first in stride(from: 0, to: tokens, by: Self.feedForwardRowBlock) {
            let rows = min(Self.feedForwardRowBlock, tokens - first)
            MatrixMultiply.linear(input + first * width, rows: rows, inputs: width, weight: layer.upWeight, outputs: ffn,
                                  into: activations, accumulate: false)
            VectorKernels.addBiasAndGELU(activations, rows: rows, columns: ffn, bias: layer.upBias)
            // Only after the up product: in post-norm `input` is `hidden` itself.
            VectorKernels.addToRows(hidden + first * width, rows: rows, columns: width, vector: layer.downBias)
            MatrixMultiply.linear(activations, rows: rows, inputs: ffn, weight: layer.downWeight, outputs: width,
                                  into: hidden + first * width, accumulate: true)
        }
    }

    /// Logits of one example from its four pooled vectors: sum weighted by `sequence_weights`; with side
    /// features, plus their projection, plus a residual GELU layer; then the linear classifier.
    func classify(pooled: UnsafePointer<Float>, features: [Float]) -> [Float] {
        let width = configuration.width
        var combined = [Float](repeating: 0, count: width)
        combined.withUnsafeMutableBufferPointer { combined in
            for sequence in 0..<EncoderInput.sequenceCount {
                VectorKernels.accumulate(combined.baseAddress!, pooled + sequence * width, count: width,
                                         factor: sequenceWeights[sequence])
            }
        }
        if let head = featureHead {
            let projected = Self.linear(features, weight: head.projectionWeight, bias: head.projectionBias, outputs: width)
            for column in 0..<width { combined[column] += projected[column] }
            var hidden = Self.linear(combined, weight: head.hiddenWeight, bias: nil, outputs: width)
            hidden.withUnsafeMutableBufferPointer {
                VectorKernels.addBiasAndGELU($0.baseAddress!, rows: 1, columns: width, bias: head.hiddenBias)
            }
            for column in 0..<width { combined[column] += hidden[column] }
        }
        return Self.linear(combined, weight: classifierWeight, bias: classifierBias, outputs: configuration.labels.count)
    }

    /// weight (outputs x input.count, PyTorch layout) times input, plus bias when given: one example, so plain loops.
    private static func linear(_ input: [Float], weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outputs: Int) -> [Float] {
        (0..<outputs).map { output in
            var sum: Float = 0
            let row = weight + output * input.count
            for column in input.indices { sum += row[column] * input[column] }
            return sum + (bias?[output] ?? 0)
        }
    }
}
