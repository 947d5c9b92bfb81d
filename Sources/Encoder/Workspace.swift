/// Scratch memory for one forward pass, reused across calls so that the hot path never allocates
/// (and never page-faults fresh memory in).
///
/// Sizes grow to the largest pass seen. A workspace is used by one thread at a time; the model hands
/// them out through `WorkspacePool`.
final class Workspace {
    private(set) var tokenCapacity = 0
    private(set) var sequenceCapacity = 0
    private(set) var lengthCapacity = 0

    /// The residual stream, tokens x width.
    private(set) var hidden = Buffer()
    /// The normalised input of a sub-layer (pre-norm only), tokens x width.
    private(set) var normalised = Buffer()
    /// Fused query, key and value projections, tokens x 3 width.
    private(set) var queryKeyValue = Buffer()
    /// Attention output before the output projection, tokens x width.
    private(set) var context = Buffer()
    /// Feed-forward hidden activations of one block of rows, block x ffn.
    private(set) var feedForward = Buffer()
    /// Attention scores of one head of one sequence, length x length.
    private(set) var scores = Buffer()
    /// Mean-pooled vectors, sequences x width.
    private(set) var pooled = Buffer()

    /// A float allocation that knows its size and frees itself.
    struct Buffer {
        fileprivate(set) var pointer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        fileprivate(set) var count = 1

        fileprivate mutating func reserve(_ needed: Int) {
            guard needed > count else { return }
            pointer.deallocate()
            pointer = .allocate(capacity: needed)
            count = needed
        }
    }

    deinit {
        for buffer in [hidden, normalised, queryKeyValue, context, feedForward, scores, pooled] {
            buffer.pointer.deallocate()
        }
    }

    /// Grows the buffers to hold a pass of `tokens` packed tokens over `sequences` sequences, the
    /// longest being `longest` tokens.
    func reserve(configuration: EncoderConfiguration, tokens: Int, sequences: Int, longest: Int) {
        let width = configuration.width
        if tokens > tokenCapacity {
            hidden.reserve(tokens * width)
            normalised.reserve(tokens * width)
            queryKeyValue.reserve(tokens * 3 * width)
            context.reserve(tokens * width)
            feedForward.reserve(min(tokens, TransformerEncoder.feedForwardRowBlock) * configuration.feedForwardWidth)
            tokenCapacity = tokens
        }
        if sequences > sequenceCapacity {
            pooled.reserve(sequences * width)
            sequenceCapacity = sequences
        }
        if longest > lengthCapacity {
            scores.reserve(longest * longest)
            lengthCapacity = longest
        }
    }
}
