import MergeCore

/// How the two sides' changes sit in a region, line by line: git calls a region a conflict when the changes
/// overlap or merely touch, and the two cases are right at very different rates when merged token by token.
public enum RegionShape: String, Sendable, Codable, CaseIterable {
    /// Each base line is changed by one side at most, and the sides do not insert at the same place: the
    /// changes only touch (adjacent lines).
    case separateLines = "separate_lines"
    /// Some line is changed by both sides, or both insert at the same place.
    case sharedLines = "shared_lines"

    public static func of(base: [UInt8], ours: [UInt8], theirs: [UInt8]) -> RegionShape {
        var interner = Interner<ArraySlice<UInt8>>()
        let baseLines = splitLines(base).map { interner.id($0) }
        let oursLines = splitLines(ours).map { interner.id($0) }
        let theirsLines = splitLines(theirs).map { interner.id($0) }
        let oursHunks = SequenceDiff.diff(baseLines, oursLines), theirsHunks = SequenceDiff.diff(baseLines, theirsLines)
        for first in oursHunks {
            for second in theirsHunks {
                let firstEnd = first.oldStart + first.oldCount, secondEnd = second.oldStart + second.oldCount
                // Changed base lines in common, or two insertions (or an insertion inside a change) at one place.
                if first.oldStart < secondEnd && second.oldStart < firstEnd { return .sharedLines }
                if first.oldCount == 0 && second.oldCount == 0 && first.oldStart == second.oldStart { return .sharedLines }
                if first.oldCount == 0 && second.oldStart < first.oldStart && first.oldStart < secondEnd { return .sharedLines }
                if second.oldCount == 0 && first.oldStart < second.oldStart && second.oldStart < firstEnd { return .sharedLines }
            }
        }
        return .separateLines
    }
}
