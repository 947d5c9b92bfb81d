import MergeCore

/// A region-level candidate text, the kinds of answer that write it, and how it relates to the three
/// sides: what a ranking model scores (one list per region, softmax over the list).
public struct CandidateText: Sendable {
    public var tokens: [Token]
    /// Every kind that writes this text (ignoring whitespace), in the order `CandidateTexts.of` tries them.
    public var kinds: [CandidateKind]
    /// `CandidateTexts.featureNames` → value; names absent are 0.
    public var features: [String: Double]

    public var text: [UInt8] { tokens.joinedBytes }
}

/// The distinct texts a region can be resolved with as a whole (the clean token merge, the nine patterns on
/// the whole region) and their features: which kinds write them, how much of each side's change, and of
/// the base, each keeps, and where the two sides' edits lie (`EditLayout`, the same for every text of a
/// region). Computed once, here; `mine` writes them for training.
public enum CandidateTexts {
    /// The features of a candidate, by name: `kind=K` for each kind that writes it, and the rest below.
    public static let featureNames: [String] = (["kind=token_merge"] + ResolutionPattern.allCases.map { "kind=\($0.rawValue)" }) + [
        "kinds", "empty", "length_vs_ours", "length_vs_theirs", "length_vs_base",
        "keeps_ours_change", "keeps_theirs_change", "keeps_base", "drops_ours_removal", "drops_theirs_removal",
        "equals_ours", "equals_theirs", "ours_contains_theirs_change", "theirs_contains_ours_change",
        "ours_unchanged", "theirs_unchanged", "token_merge_clean",
    ] + layoutFeatureNames

    /// The names of the `EditLayout` features among `featureNames`.
    public static let layoutFeatureNames = EditLayout.featureNames

    /// The feature the resolver adds to each candidate when a ranker scores them: the encoder's probability
    /// of the text (its region outputs summed over the kinds that write it; `TOKEN` for the clean token merge).
    /// Not mined: `training/rank_candidates.py --encoder` computes it from the mined inputs the same way.
    public static let encoderProbability = "encoder_probability"

    /// The candidates of `merge`'s region, distinct by text ignoring whitespace, in the order: the clean
    /// token merge, then the patterns in their fixed order. Without `layout` the `EditLayout` features are left
    /// out (four diffs a region), for a ranker that does not read them.
    public static func of(_ merge: TokenMerge, layout: Bool = true) -> [CandidateText] {
        let base = merge.base, ours = merge.ours, theirs = merge.theirs
        var answers: [(CandidateKind, [Token])] = []
        if let clean = merge.cleanResult { answers.append((.tokenMerge, clean)) }
        for pattern in ResolutionPattern.allCases { answers.append((.pattern(pattern), pattern.apply(base: base, ours: ours, theirs: theirs))) }
        var order: [[UInt8]] = []
        var grouped: [[UInt8]: (tokens: [Token], kinds: [CandidateKind])] = [:]
        for (kind, tokens) in answers {
            let key = Reproduction.comparable(tokens.joinedBytes)
            if grouped[key] == nil { order.append(key) }
            grouped[key, default: (tokens, [])].kinds.append(kind)
        }
        let sides = Sides(base: base, ours: ours, theirs: theirs, tokenMergeClean: merge.cleanResult != nil)
        let layout = layout ? EditLayout.features(base: base, ours: ours, theirs: theirs).filter { $0.value != 0 } : [:]
        return order.map { key in
            let (tokens, kinds) = grouped[key]!
            let features = sides.features(of: tokens, kinds: kinds).merging(layout) { own, _ in own }
            return CandidateText(tokens: tokens, kinds: kinds, features: features)
        }
    }

    /// The three sides as multisets of their non-layout tokens, and what each side added and removed.
    struct Sides {
        let base: TokenCounts, ours: TokenCounts, theirs: TokenCounts
        let oursAdded: TokenCounts, theirsAdded: TokenCounts, oursRemoved: TokenCounts, theirsRemoved: TokenCounts
        let tokenMergeClean: Bool
        let oursKey: [UInt8], theirsKey: [UInt8], baseKey: [UInt8]

        init(base: [Token], ours: [Token], theirs: [Token], tokenMergeClean: Bool) {
            (self.base, self.ours, self.theirs) = (TokenCounts(base), TokenCounts(ours), TokenCounts(theirs))
            oursAdded = self.ours.minus(self.base)
            theirsAdded = self.theirs.minus(self.base)
            oursRemoved = self.base.minus(self.ours)
            theirsRemoved = self.base.minus(self.theirs)
            self.tokenMergeClean = tokenMergeClean
            (oursKey, theirsKey, baseKey) = (Reproduction.comparable(ours.joinedBytes), Reproduction.comparable(theirs.joinedBytes),
                                             Reproduction.comparable(base.joinedBytes))
        }

        func features(of tokens: [Token], kinds: [CandidateKind]) -> [String: Double] {
            let candidate = TokenCounts(tokens)
            let key = Reproduction.comparable(tokens.joinedBytes)
            func ratio(_ count: Int, _ total: Int) -> Double { min(4, Double(count) / Double(max(total, 1))) }
            var values: [String: Double] = [
                "kinds": Double(kinds.count),
                "empty": candidate.total == 0 ? 1 : 0,
                "length_vs_ours": ratio(candidate.total, ours.total),
                "length_vs_theirs": ratio(candidate.total, theirs.total),
                "length_vs_base": ratio(candidate.total, base.total),
                "keeps_ours_change": candidate.share(of: oursAdded),
                "keeps_theirs_change": candidate.share(of: theirsAdded),
                "keeps_base": candidate.share(of: base),
                "drops_ours_removal": 1 - candidate.share(of: oursRemoved, emptyIs: 0),
                "drops_theirs_removal": 1 - candidate.share(of: theirsRemoved, emptyIs: 0),
                "equals_ours": key == oursKey ? 1 : 0,
                "equals_theirs": key == theirsKey ? 1 : 0,
                "ours_contains_theirs_change": ours.share(of: theirsAdded),
                "theirs_contains_ours_change": theirs.share(of: oursAdded),
                "ours_unchanged": oursKey == baseKey ? 1 : 0,
                "theirs_unchanged": theirsKey == baseKey ? 1 : 0,
                "token_merge_clean": tokenMergeClean ? 1 : 0,
            ]
            for kind in kinds { values["kind=\(kind.name)"] = 1 }
            return values.filter { $0.value != 0 }
        }
    }

    /// A multiset of non-layout token texts.
    struct TokenCounts {
        var counts: [ArraySlice<UInt8>: Int] = [:]
        var total = 0

        init(_ tokens: [Token]) {
            for token in tokens where !token.isLayout {
                counts[token.bytes, default: 0] += 1
                total += 1
            }
        }

        private init(counts: [ArraySlice<UInt8>: Int]) {
            self.counts = counts
            total = counts.values.reduce(0, +)
        }

        /// The tokens of `self` beyond those of `other`, counted with multiplicity.
        func minus(_ other: TokenCounts) -> TokenCounts {
            TokenCounts(counts: Dictionary(uniqueKeysWithValues: counts.compactMap { token, count in
                let left = count - (other.counts[token] ?? 0)
                return left > 0 ? (token, left) : nil
            }))
        }

        /// The fraction of `part`'s tokens (with multiplicity) that `self` also has; `emptyIs` when `part` is empty.
        func share(of part: TokenCounts, emptyIs: Double = 1) -> Double {
            guard part.total > 0 else { return emptyIs }
            let kept = part.counts.reduce(0) { $0 + min($1.value, counts[$1.key] ?? 0) }
            return Double(kept) / Double(part.total)
        }
    }
}
