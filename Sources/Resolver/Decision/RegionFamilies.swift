import MergeCore

/// The families that depend on the region and not only on a candidate's kind, in one place: the resolver
/// calls `assign` once per region, after the model scored its candidates and before the policy thresholds them.
///
/// A clean token merge is right at very different rates depending on what it writes (validation
/// repositories, stop 29): when it writes one side unchanged, that side already held the other's change and
/// the merge is right 95% of the time at p >= 0.55; when it combines both sides' edits it is right 72-81% at
/// every probability. One threshold for both made the first wait for the second's confidence.
public enum RegionFamilies {
    public static func assign(_ candidates: inout [Candidate], base: [UInt8], ours: [UInt8], theirs: [UInt8], tokenizer: Tokenizer) {
        let sides = [Reproduction.comparable(ours), Reproduction.comparable(theirs)]
        for index in candidates.indices where candidates[index].family == .tokenMerge {
            if sides.contains(Reproduction.comparable(candidates[index].text)) { candidates[index].family = .sideHoldingBothChanges }
        }
        OneSideOfClash.assignFamilies(&candidates, base: base, ours: ours, theirs: theirs, tokenizer: tokenizer)
    }
}
