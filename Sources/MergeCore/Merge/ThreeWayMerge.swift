/// One entry of a three-way merge, in xdiff's terms: `baseCount` base elements at `baseStart` correspond
/// to `oursCount` elements of ours at `oursStart` and `theirsCount` elements of theirs at `theirsStart`.
public struct MergeChange: Sendable, Hashable {
    /// Who decides this span.
    public enum Kind: Sendable, Hashable {
        /// Both sides changed it differently: a conflict.
        case conflict
        /// Only ours changed it: take ours.
        case ours
        /// Only theirs changed it: take theirs.
        case theirs
        /// A conflict whose two sides turned out identical when refined: take either.
        case identical
        /// A conflict replaced by a resolution; the payload indexes the resolutions given to the renderer.
        case resolved(Int)
    }

    public var kind: Kind
    public var baseStart: Int
    public var baseCount: Int
    public var oursStart: Int
    public var oursCount: Int
    public var theirsStart: Int
    public var theirsCount: Int

    public init(kind: Kind, baseStart: Int, baseCount: Int, oursStart: Int, oursCount: Int, theirsStart: Int, theirsCount: Int) {
        self.kind = kind
        self.baseStart = baseStart
        self.baseCount = baseCount
        self.oursStart = oursStart
        self.oursCount = oursCount
        self.theirsStart = theirsStart
        self.theirsCount = theirsCount
    }

    public var baseRange: Range<Int> { baseStart..<(baseStart + baseCount) }
    public var oursRange: Range<Int> { oursStart..<(oursStart + oursCount) }
    public var theirsRange: Range<Int> { theirsStart..<(theirsStart + theirsCount) }
}

/// A piece of the merged sequence: copied from ours, copied from theirs, or a conflict.
public enum MergeSegment: Sendable, Hashable {
    /// Elements of ours: unchanged context or ours' own change.
    case ours(Range<Int>)
    /// Theirs' change.
    case theirs(Range<Int>)
    /// A conflict with its three sides.
    case conflict(base: Range<Int>, ours: Range<Int>, theirs: Range<Int>)
}

/// The three-way merge of interned sequences with git's rules (xdiff's `xdl_do_merge`, eager level).
///
/// Changes of the two sides that overlap or touch conflict; identical changes on both sides merge.
/// This is what `diff3` and `zdiff3` show; `ConflictRefinement` turns it into git's `merge` style.
public struct ThreeWayMerge: Sendable {
    public let baseCount: Int
    public let oursCount: Int
    public let theirsCount: Int
    /// The changes in order; spans between them are unchanged on both sides.
    public var changes: [MergeChange]

    public init(base: [Int], ours: [Int], theirs: [Int], algorithm: DiffAlgorithm = .myers) {
        baseCount = base.count
        oursCount = ours.count
        theirsCount = theirs.count
        changes = ThreeWayMerge.merge(base: base, ours: ours, theirs: theirs, algorithm: algorithm)
    }

    public var hasConflicts: Bool { changes.contains { $0.kind == .conflict } }

    /// The merge as an ordered list of segments (xdiff's `xdl_fill_merge_buffer` walk).
    public var segments: [MergeSegment] {
        var segments: [MergeSegment] = []
        var cursor = 0
        func copyOurs(upTo end: Int) {
            if end > cursor { segments.append(.ours(cursor..<end)) }
        }
        for change in changes {
            switch change.kind {
            case .identical:
                continue
            case .conflict, .resolved:
                copyOurs(upTo: change.oursStart)
                segments.append(.conflict(base: change.baseRange, ours: change.oursRange, theirs: change.theirsRange))
            case .ours:
                copyOurs(upTo: change.oursStart + change.oursCount)
            case .theirs:
                copyOurs(upTo: change.oursStart)
                if change.theirsCount > 0 { segments.append(.theirs(change.theirsRange)) }
            }
            cursor = change.oursStart + change.oursCount
        }
        copyOurs(upTo: oursCount)
        return segments
    }

    static func merge(base: [Int], ours: [Int], theirs: [Int], algorithm: DiffAlgorithm) -> [MergeChange] {
        let oursHunks = SequenceDiff.diff(base, ours, algorithm: algorithm)
        let theirsHunks = SequenceDiff.diff(base, theirs, algorithm: algorithm)
        var changes: [MergeChange] = []

        func append(_ kind: MergeChange.Kind, _ i0: Int, _ chg0: Int, _ i1: Int, _ chg1: Int, _ i2: Int, _ chg2: Int) {
            if var last = changes.last, i1 <= last.oursStart + last.oursCount || i2 <= last.theirsStart + last.theirsCount {
                if kind != last.kind { last.kind = .conflict }
                last.baseCount = i0 + chg0 - last.baseStart
                last.oursCount = i1 + chg1 - last.oursStart
                last.theirsCount = i2 + chg2 - last.theirsStart
                changes[changes.count - 1] = last
            } else {
                changes.append(MergeChange(kind: kind, baseStart: i0, baseCount: chg0, oursStart: i1, oursCount: chg1,
                                           theirsStart: i2, theirsCount: chg2))
            }
        }

        var first = 0, second = 0
        while first < oursHunks.count && second < theirsHunks.count {
            let x1 = oursHunks[first], x2 = theirsHunks[second]
            if x1.oldStart + x1.oldCount < x2.oldStart {
                append(.ours, x1.oldStart, x1.oldCount, x1.newStart, x1.newCount,
                       x2.newStart - x2.oldStart + x1.oldStart, x1.oldCount)
                first += 1
                continue
            }
            if x2.oldStart + x2.oldCount < x1.oldStart {
                append(.theirs, x2.oldStart, x2.oldCount, x1.newStart - x1.oldStart + x2.oldStart, x2.oldCount,
                       x2.newStart, x2.newCount)
                second += 1
                continue
            }
            let identical = x1.oldStart == x2.oldStart && x1.oldCount == x2.oldCount && x1.newCount == x2.newCount
                && ours[x1.newStart..<(x1.newStart + x1.newCount)] == theirs[x2.newStart..<(x2.newStart + x2.newCount)]
            if !identical {
                let offset = x1.oldStart - x2.oldStart
                let endOffset = offset + x1.oldCount - x2.oldCount
                var i0 = x1.oldStart, i1 = x1.newStart, i2 = x2.newStart
                if offset > 0 { i0 -= offset; i1 -= offset } else { i2 += offset }
                var chg0 = x1.oldStart + x1.oldCount - i0
                var chg1 = x1.newStart + x1.newCount - i1
                var chg2 = x2.newStart + x2.newCount - i2
                if endOffset < 0 { chg0 -= endOffset; chg1 -= endOffset } else { chg2 += endOffset }
                append(.conflict, i0, chg0, i1, chg1, i2, chg2)
            }
            let end1 = x1.oldStart + x1.oldCount
            let end2 = x2.oldStart + x2.oldCount
            if end1 >= end2 { second += 1 }
            if end2 >= end1 { first += 1 }
        }
        while first < oursHunks.count {
            let x1 = oursHunks[first]
            append(.ours, x1.oldStart, x1.oldCount, x1.newStart, x1.newCount,
                   x1.oldStart + theirs.count - base.count, x1.oldCount)
            first += 1
        }
        while second < theirsHunks.count {
            let x2 = theirsHunks[second]
            append(.theirs, x2.oldStart, x2.oldCount, x2.oldStart + ours.count - base.count, x2.oldCount,
                   x2.newStart, x2.newCount)
            second += 1
        }
        return changes
    }
}
