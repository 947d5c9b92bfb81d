/// One example for the classifier: the four aligned sequences of a token conflict.
///
/// The sequences are, in order, a|o, o|a, b|o and o|b (MergeBERT's four views). Each has its own
/// length, at most the model's `maximumLength`; padding to a common length happens inside the model,
/// so callers pass only real positions. Trailing positions with token id `SpecialToken.padding` are
/// treated as padding and ignored, which lets callers hand over rows they padded themselves.
public struct EncoderInput: Sendable, Equatable {
    /// Token ids of the four sequences.
    public var tokenIDs: [[Int32]]
    /// Edit type of every position of the four sequences (same lengths as `tokenIDs`).
    public var editTypes: [[Int32]]
    /// The numeric side input, one value per name of the configuration's `features` (empty when it
    /// names none). The encoder does not know what they mean; the resolver computes them.
    public var features: [Float]

    /// The number of sequences every example carries.
    public static let sequenceCount = 4

    public init(tokenIDs: [[Int32]], editTypes: [[Int32]], features: [Float] = []) {
        self.tokenIDs = tokenIDs
        self.editTypes = editTypes
        self.features = features
    }
}

/// Token ids with a fixed meaning in every vocabulary; the featurizer emits them, the model reserves them.
public enum SpecialToken {
    /// Padding: never attended to, never pooled.
    public static let padding: Int32 = 0
    /// A token the vocabulary does not know.
    public static let unknown: Int32 = 1
    /// Start of a sequence ([CLS]).
    public static let start: Int32 = 2
    /// Separator between the conflict and its context ([SEP]).
    public static let separator: Int32 = 3
}

/// The edit type of a position, from the diff of one side against the other.
public enum EditType: Int32, Sendable, CaseIterable {
    case padding = 0
    case equal = 1
    case insert = 2
    case delete = 3
    case replace = 4

    /// The number of edit types; the default `edit_types` of a configuration.
    public static let count = allCases.count
}
