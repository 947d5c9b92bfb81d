import Encoder
import Foundation
import MergeCore

/// What the resolver knows about a conflict besides its four token sequences.
public struct ConflictFacts: Sendable, Equatable {
    /// A whole conflicting region (true) or one conflict left by its token-level merge (false).
    public var isRegion: Bool
    /// Regions only: the token-level merge of the region has no conflict.
    public var tokenMergeClean: Bool
    /// Regions only: how many conflicts the token-level merge leaves.
    public var tokenConflicts: Int
    /// The file's language.
    public var language: SourceLanguage

    public init(isRegion: Bool, tokenMergeClean: Bool = false, tokenConflicts: Int = 0, language: SourceLanguage) {
        self.isRegion = isRegion
        self.tokenMergeClean = isRegion && tokenMergeClean
        self.tokenConflicts = isRegion ? tokenConflicts : 0
        self.language = language
    }
}

/// The model's numeric side input, named in `config.json`'s `features`: computed here only, written by
/// `mine` for training and handed to the encoder at inference, so the two can never disagree.
///
/// The four views a|o, o|a, b|o, o|b never put ours next to theirs, yet whether one side's change already
/// contains the other's is what most often decides between one side, both, and the token merge. These
/// features compare the sides' changed tokens as sets, count edits per view, and add the region's facts
/// and language. They are computed from the same token sequences the encoder reads.
public enum SideFeatures {
    static let viewNames = ["a_o", "o_a", "b_o", "o_b"]
    static let countNames = ["length", "equal", "insert", "delete", "replace"]
    static let factNames = ["region", "token_merge_clean", "token_conflicts", "code"]
    static let setNames = [
        "a_changes_in_b_changes", "b_changes_in_a_changes", "a_changes_within_b", "b_changes_within_a", "same_changes",
        "a_removals_in_b_removals", "b_removals_in_a_removals", "same_sides", "sides_jaccard",
        "a_changes_nothing", "b_changes_nothing", "a_removes_nothing", "b_removes_nothing",
    ]
    static let languagePrefix = "language="
    static let newlineID = Featurizer.newlineID

    /// Whether `name` is a feature this code computes.
    public static func isKnown(_ name: String) -> Bool {
        if name.hasPrefix(languagePrefix) { return name.count > languagePrefix.count }
        return knownNames.contains(name)
    }

    private static let knownNames: Set<String> = Set(factNames + setNames + viewNames.flatMap { view in
        countNames.map { "\(view).\($0)" }
    })

    /// The values of `names`, in order, for one example.
    public static func values(names: [String], input: EncoderInput, facts: ConflictFacts) -> [Float] {
        let table = self.table(input: input, facts: facts)
        return names.map { Float(table[$0] ?? 0) }
    }

    /// Every feature this code computes that is not zero for the example, by name (what `mine` writes).
    public static func nonZero(input: EncoderInput, facts: ConflictFacts) -> [String: Double] {
        table(input: input, facts: facts).filter { $0.value != 0 }
    }

    static func table(input: EncoderInput, facts: ConflictFacts) -> [String: Double] {
        var table: [String: Double] = [
            "region": facts.isRegion ? 1 : 0,
            "token_merge_clean": facts.tokenMergeClean ? 1 : 0,
            "token_conflicts": log1p(Double(facts.tokenConflicts)),
            "code": facts.language.isCode ? 1 : 0,
            languagePrefix + facts.language.name: 1,
        ]
        var changed: [Set<Int32>] = []
        var everything: [Set<Int32>] = []
        for (view, name) in viewNames.enumerated() {
            let (ids, edits) = sidePart(ids: input.tokenIDs[view], edits: input.editTypes[view])
            table["\(name).length"] = log1p(Double(ids.count))
            for (offset, count) in countNames.dropFirst().enumerated() {
                let editType = Int32(offset + 1)
                table["\(name).\(count)"] = log1p(Double(edits.lazy.filter { $0 == editType }.count))
            }
            changed.append(Set(zip(ids, edits).lazy.filter { $0.1 != EditType.equal.rawValue && $0.0 != newlineID }.map(\.0)))
            everything.append(Set(ids.lazy.filter { $0 != newlineID }))
        }
        let (aChanges, aRemovals, bChanges, bRemovals) = (changed[0], changed[1], changed[2], changed[3])
        let (aAll, bAll) = (everything[0], everything[2])
        let union = aAll.union(bAll)
        func fraction(_ part: Set<Int32>, of whole: Set<Int32>) -> Double {
            part.isEmpty ? 0 : Double(part.intersection(whole).count) / Double(part.count)
        }
        func flag(_ value: Bool) -> Double { value ? 1 : 0 }
        table["a_changes_in_b_changes"] = fraction(aChanges, of: bChanges)
        table["b_changes_in_a_changes"] = fraction(bChanges, of: aChanges)
        table["a_changes_within_b"] = flag(aChanges.isSubset(of: bAll))
        table["b_changes_within_a"] = flag(bChanges.isSubset(of: aAll))
        table["same_changes"] = flag(aChanges == bChanges)
        table["a_removals_in_b_removals"] = fraction(aRemovals, of: bRemovals)
        table["b_removals_in_a_removals"] = fraction(bRemovals, of: aRemovals)
        table["same_sides"] = flag(aAll == bAll)
        table["sides_jaccard"] = union.isEmpty ? 0 : Double(aAll.intersection(bAll).count) / Double(union.count)
        table["a_changes_nothing"] = flag(aChanges.isEmpty)
        table["b_changes_nothing"] = flag(bChanges.isEmpty)
        table["a_removes_nothing"] = flag(aRemovals.isEmpty)
        table["b_removes_nothing"] = flag(bRemovals.isEmpty)
        return table
    }

    /// The positions between the first separator and the next: the conflict side without its context.
    static func sidePart(ids: [Int32], edits: [Int32]) -> (ids: ArraySlice<Int32>, edits: ArraySlice<Int32>) {
        let start: Int
        if let separator = ids.firstIndex(of: SpecialToken.separator) {
            start = separator + 1
        } else {
            start = ids.first == SpecialToken.start ? 1 : 0
        }
        let end = ids[start...].firstIndex(of: SpecialToken.separator) ?? ids.count
        return (ids[start..<end], edits[start..<end])
    }
}
