/// The nine primitive resolutions of a conflict (a, o, b), in the fixed order the model predicts them.
///
/// The "minus base" variants first drop from each side the tokens it kept from the base (those its diff
/// against the base marks as equal), then take or concatenate what is left.
public enum ResolutionPattern: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case ours = "A"
    case theirs = "B"
    case base = "O"
    case oursThenTheirs = "AB"
    case theirsThenOurs = "BA"
    case oursMinusBase = "A-O"
    case theirsMinusBase = "B-O"
    case oursThenTheirsMinusBase = "AB-O"
    case theirsThenOursMinusBase = "BA-O"

    public var description: String { rawValue }

    /// Position in the model's output (the order above).
    public var index: Int { Self.allCases.firstIndex(of: self)! }

    /// The tokens this pattern resolves `conflict` to.
    public func apply(to conflict: TokenConflict) -> [Token] {
        apply(base: Array(conflict.base), ours: Array(conflict.ours), theirs: Array(conflict.theirs))
    }

    public func apply(base: [Token], ours: [Token], theirs: [Token]) -> [Token] {
        switch self {
        case .ours: ours
        case .theirs: theirs
        case .base: base
        case .oursThenTheirs: ours + theirs
        case .theirsThenOurs: theirs + ours
        case .oursMinusBase: Self.withoutBaseTokens(ours, base: base)
        case .theirsMinusBase: Self.withoutBaseTokens(theirs, base: base)
        case .oursThenTheirsMinusBase: Self.withoutBaseTokens(ours, base: base) + Self.withoutBaseTokens(theirs, base: base)
        case .theirsThenOursMinusBase: Self.withoutBaseTokens(theirs, base: base) + Self.withoutBaseTokens(ours, base: base)
        }
    }

    /// The patterns whose result equals `resolution` (empty means OTHER: measurable, never predictable).
    /// With `ignoringLayout`, whitespace and line-ending tokens do not count, as in the paper's metric.
    public static func patterns(producing resolution: [Token], base: [Token], ours: [Token], theirs: [Token],
                                ignoringLayout: Bool = false) -> [ResolutionPattern] {
        let target = key(resolution, ignoringLayout: ignoringLayout)
        return allCases.filter { key($0.apply(base: base, ours: ours, theirs: theirs), ignoringLayout: ignoringLayout) == target }
    }

    public static func patterns(producing resolution: [Token], for conflict: TokenConflict, ignoringLayout: Bool = false) -> [ResolutionPattern] {
        patterns(producing: resolution, base: Array(conflict.base), ours: Array(conflict.ours), theirs: Array(conflict.theirs),
                 ignoringLayout: ignoringLayout)
    }

    /// `side` without the tokens that its diff against `base` keeps unchanged.
    static func withoutBaseTokens(_ side: [Token], base: [Token]) -> [Token] {
        var interner = Interner<ArraySlice<UInt8>>()
        let baseIDs = base.map { interner.id($0.bytes) }
        let sideIDs = side.map { interner.id($0.bytes) }
        var result: [Token] = []
        for hunk in SequenceDiff.diff(baseIDs, sideIDs) {
            result += side[hunk.newStart..<(hunk.newStart + hunk.newCount)]
        }
        return result
    }

    /// Results compare as text, not token by token: "z" then "y" gives the text "zy", one token when re-read.
    private static func key(_ tokens: [Token], ignoringLayout: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        for token in tokens where !(ignoringLayout && token.isLayout) { bytes += token.bytes }
        return bytes
    }
}
