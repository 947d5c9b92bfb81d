import MergeCore

/// The one answer to "does this candidate reproduce that resolution": equal once whitespace is removed
/// (the MergeBERT paper's metric). Used by the resolver to group answers into candidates, by `eval` to score
/// them, and by `mine` for the training labels.
public enum Reproduction {
    /// The bytes two texts are compared by: every whitespace byte removed.
    public static func comparable(_ text: [UInt8]) -> [UInt8] {
        text.filter { !isSpace($0) }
    }

    /// Whether `candidate` writes `resolution`, ignoring whitespace.
    public static func reproduces(_ candidate: [UInt8], _ resolution: [UInt8]) -> Bool {
        candidate.lazy.filter { !isSpace($0) }.elementsEqual(resolution.lazy.filter { !isSpace($0) })
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    /// Which candidates of a region reproduce `resolution` (the developer's text): the labels of a mined
    /// region and the oracle of `eval`.
    public static func labels(of merge: TokenMerge, resolution: [UInt8], tokenizer: Tokenizer) -> RegionLabels {
        let tokenMerge = merge.cleanResult.map { reproduces($0.joinedBytes, resolution) } ?? false
        let patterns = ResolutionPattern.allCases.filter { pattern in
            reproduces(pattern.apply(base: merge.base, ours: merge.ours, theirs: merge.theirs).joinedBytes, resolution)
        }
        var conflictPatterns: [[ResolutionPattern]]?
        if !merge.isClean, let located = TokenResolutionLocator.resolutions(of: merge, in: tokenizer.tokenize(resolution)) {
            conflictPatterns = zip(merge.conflicts, located).map { conflict, tokens in
                ResolutionPattern.patterns(producing: tokens, for: conflict, ignoringLayout: true)
            }
        }
        return RegionLabels(tokenMerge: tokenMerge, patterns: patterns, conflictPatterns: conflictPatterns)
    }
}

/// The candidates of one region that reproduce its resolution.
public struct RegionLabels: Sendable, Equatable {
    /// The clean token merge does.
    public var tokenMerge: Bool
    /// Whole-region patterns that do.
    public var patterns: [ResolutionPattern]
    /// For each token conflict, the patterns that reproduce the developer's tokens there; nil when the token
    /// merge is clean or the developer's tokens for the conflicts could not be located.
    public var conflictPatterns: [[ResolutionPattern]]?

    /// Some token-level combination of patterns reproduces the resolution.
    public var tokenPatterns: Bool { conflictPatterns.map { !$0.isEmpty && $0.allSatisfy { !$0.isEmpty } } ?? false }

    /// Whether a candidate of this kind reproduces the resolution (a token-level combination: each of its
    /// patterns reproduces its conflict).
    public func reproduced(by kind: CandidateKind) -> Bool {
        switch kind {
        case .tokenMerge: tokenMerge
        case .pattern(let pattern): patterns.contains(pattern)
        case .tokenPatterns(let chosen):
            conflictPatterns.map { $0.count == chosen.count && zip($0, chosen).allSatisfy { $0.contains($1) } } ?? false
        }
    }

    /// The single right answer reports count, in a fixed order of preference: `token_merge`, the first
    /// pattern, `token_patterns`, else `OTHER`.
    public var oracle: String {
        if tokenMerge { return CandidateKind.tokenMerge.name }
        if let pattern = patterns.first { return pattern.rawValue }
        if tokenPatterns { return CandidateFamily.tokenPatterns.rawValue }
        return "OTHER"
    }
}
