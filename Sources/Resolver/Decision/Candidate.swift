import MergeCore

/// What produced a candidate resolution of a region.
public enum CandidateKind: Hashable, Sendable {
    /// The token-level merge of the region, when it leaves no conflict.
    case tokenMerge
    /// One of the nine patterns applied to the whole region.
    case pattern(ResolutionPattern)
    /// The token-level merge with one pattern applied to each of its token conflicts, in order.
    case tokenPatterns([ResolutionPattern])

    /// The family whose threshold applies (decision.json's `thresholds`).
    public var family: CandidateFamily {
        switch self {
        case .tokenMerge: .tokenMerge
        case .pattern: .pattern
        case .tokenPatterns: .tokenPatterns
        }
    }

    /// The name reports use: `token_merge`, a pattern (`A`, `AB-O`, ...), or `token_patterns`.
    public var name: String {
        switch self {
        case .tokenMerge: CandidateFamily.tokenMerge.rawValue
        case .pattern(let pattern): pattern.rawValue
        case .tokenPatterns: CandidateFamily.tokenPatterns.rawValue
        }
    }
}

/// Kinds of candidate that share a confidence threshold: each is right at its own rate for the same
/// probability, so each gets its own threshold, calibrated on repositories the model never saw.
public enum CandidateFamily: String, CaseIterable, Codable, Sendable {
    /// The clean token merge that combines both sides' edits: right about three times in four in real history
    /// (72-81% at every probability on the validation repositories, stop 29), whatever the model says.
    case tokenMerge = "token_merge"
    case pattern
    case tokenPatterns = "token_patterns"
    /// A pattern that writes one side of a one-line clash (`OneSideOfClash`), whatever its kind.
    case oneSideOfClash = "one_side_of_clash"
    /// A clean token merge that writes one side as it is: that side already holds the other's change
    /// (`RegionFamilies`). Right 95% of the time at p >= 0.55, far more often than a merge that combines.
    case sideHoldingBothChanges = "side_holding_both_changes"

    /// In a few words, for `--explain`, when the family is not the one its kind names.
    public var description: String {
        switch self {
        case .tokenMerge: "token merge"
        case .pattern: "pattern"
        case .tokenPatterns: "token-level patterns"
        case .oneSideOfClash: "one side of a one-line clash"
        case .sideHoldingBothChanges: "one side holds both changes"
        }
    }
}

/// One answer the model (or, without one, the clean token merge) gives for a region.
public struct Answer: Sendable {
    public var kind: CandidateKind
    public var tokens: [Token]
    public var probability: Double

    public init(kind: CandidateKind, tokens: [Token], probability: Double) {
        self.kind = kind
        self.tokens = tokens
        self.probability = probability
    }
}

/// A text a region could be resolved with: answers that write the same text (ignoring whitespace) are one
/// candidate whose probability is the sum of theirs (QUALITY.md, "What a probability means").
public struct Candidate: Sendable {
    /// The tokens of its most probable answer: what would be written.
    public var tokens: [Token]
    /// The answers that write it, most probable first.
    public var kinds: [CandidateKind]
    public var probability: Double
    /// The family whose threshold applies: its most probable answer's, unless the region puts it in a family
    /// of its own (`RegionFamilies`, applied by the resolver, which knows the region).
    public var family: CandidateFamily

    public init(tokens: [Token], kinds: [CandidateKind], probability: Double, family: CandidateFamily? = nil) {
        self.tokens = tokens
        self.kinds = kinds
        self.probability = probability
        self.family = family ?? kinds[0].family
    }

    /// Its most probable answer's kind: the name it is reported under.
    public var kind: CandidateKind { kinds[0] }
    public var text: [UInt8] { tokens.joinedBytes }

    /// Groups answers by the text they write; most probable candidate first (ties keep the answers' order).
    public static func grouping(_ answers: [Answer]) -> [Candidate] {
        var groups: [[UInt8]: (index: Int, answers: [Answer])] = [:]
        for answer in answers {
            let key = Reproduction.comparable(answer.tokens.joinedBytes)
            let next = groups.count
            groups[key, default: (next, [])].answers.append(answer)
        }
        let candidates = groups.values.sorted { $0.index < $1.index }.map { group in
            // Stable sort: among equally probable answers the earlier one names the candidate.
            let ordered = group.answers.enumerated().sorted { ($0.element.probability, -$0.offset) > ($1.element.probability, -$1.offset) }
                .map(\.element)
            return Candidate(tokens: ordered[0].tokens, kinds: ordered.map(\.kind), probability: ordered.reduce(0) { $0 + $1.probability })
        }
        return candidates.enumerated().sorted { ($0.element.probability, -$0.offset) > ($1.element.probability, -$1.offset) }.map(\.element)
    }
}
