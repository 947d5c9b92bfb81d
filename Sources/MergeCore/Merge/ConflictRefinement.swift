/// git's post-processing of conflicts for each marker style (xdiff's `xmerge.c`).
///
/// `merge` style diffs ours against theirs inside each conflict and keeps only the parts that differ,
/// then joins conflicts separated by at most three lines (`git merge-file` also joins across any lines
/// without letters or digits). `zdiff3` only moves lines common to the start and end of both sides out.
public enum ConflictRefinement {
    /// Applies the refinement that `style` calls for to `changes` (conflicts only; resolved spans stay).
    public static func refine(_ changes: [MergeChange], style: ConflictStyle, flavor: LineMergeFlavor, ours: [Int], theirs: [Int],
                              oursHasAlphanumerics: (Range<Int>) -> Bool) -> [MergeChange] {
        switch style {
        case .diff3:
            return changes
        case .zdiff3:
            return trimCommonEnds(changes, ours: ours, theirs: theirs)
        case .merge:
            let narrowed = narrow(changes, ours: ours, theirs: theirs, algorithm: flavor.algorithm)
            guard flavor.joinsAcrossLinesWithoutAlphanumerics else {
                return joinNearbyConflicts(narrowed) { _ in true }
            }
            return joinNearbyConflicts(narrowed, oursHasAlphanumerics: oursHasAlphanumerics)
        }
    }

    /// xdiff's `xdl_refine_conflicts`: splits each conflict into the hunks of ours against theirs.
    /// The base range of the pieces is kept as the whole conflict's: git does not show it in this style.
    static func narrow(_ changes: [MergeChange], ours: [Int], theirs: [Int], algorithm: DiffAlgorithm) -> [MergeChange] {
        var result: [MergeChange] = []
        result.reserveCapacity(changes.count)
        for change in changes {
            guard change.kind == .conflict, change.oursCount > 0, change.theirsCount > 0 else {
                result.append(change)
                continue
            }
            let hunks = SequenceDiff.diff(Array(ours[change.oursRange]), Array(theirs[change.theirsRange]), algorithm: algorithm)
            if hunks.isEmpty {
                var identical = change
                identical.kind = .identical
                result.append(identical)
                continue
            }
            for hunk in hunks {
                var piece = change
                piece.oursStart = change.oursStart + hunk.oldStart
                piece.oursCount = hunk.oldCount
                piece.theirsStart = change.theirsStart + hunk.newStart
                piece.theirsCount = hunk.newCount
                result.append(piece)
            }
        }
        return result
    }

    /// xdiff's `xdl_simplify_non_conflicts`: `oursHasAlphanumerics` says whether a gap of more than three
    /// lines keeps its conflicts apart (always true for `git merge`).
    static func joinNearbyConflicts(_ changes: [MergeChange], oursHasAlphanumerics: (Range<Int>) -> Bool) -> [MergeChange] {
        var result: [MergeChange] = []
        result.reserveCapacity(changes.count)
        for change in changes {
            if var last = result.last, last.kind == .conflict, change.kind == .conflict {
                let gap = (last.oursStart + last.oursCount)..<change.oursStart
                if gap.count <= 3 || !oursHasAlphanumerics(gap) {
                    last.baseCount = change.baseStart + change.baseCount - last.baseStart
                    last.oursCount = change.oursStart + change.oursCount - last.oursStart
                    last.theirsCount = change.theirsStart + change.theirsCount - last.theirsStart
                    result[result.count - 1] = last
                    continue
                }
            }
            result.append(change)
        }
        return result
    }

    /// xdiff's `xdl_refine_zdiff3_conflicts`: moves common leading and trailing elements out of conflicts.
    static func trimCommonEnds(_ changes: [MergeChange], ours: [Int], theirs: [Int]) -> [MergeChange] {
        changes.map { change in
            guard change.kind == .conflict else { return change }
            var trimmed = change
            while trimmed.oursCount > 0 && trimmed.theirsCount > 0 && ours[trimmed.oursStart] == theirs[trimmed.theirsStart] {
                trimmed.oursStart += 1
                trimmed.oursCount -= 1
                trimmed.theirsStart += 1
                trimmed.theirsCount -= 1
            }
            while trimmed.oursCount > 0 && trimmed.theirsCount > 0
                && ours[trimmed.oursStart + trimmed.oursCount - 1] == theirs[trimmed.theirsStart + trimmed.theirsCount - 1] {
                trimmed.oursCount -= 1
                trimmed.theirsCount -= 1
            }
            return trimmed
        }
    }
}
