/// One change between two sequences: `oldCount` elements at `oldStart` became `newCount` elements at `newStart`.
public struct DiffHunk: Sendable, Hashable {
    public var oldStart: Int
    public var oldCount: Int
    public var newStart: Int
    public var newCount: Int

    public init(oldStart: Int, oldCount: Int, newStart: Int, newCount: Int) {
        self.oldStart = oldStart
        self.oldCount = oldCount
        self.newStart = newStart
        self.newCount = newCount
    }
}

/// Which diff git runs: `git merge` (merge-ort) merges file contents with the histogram diff; `git merge-file`,
/// the recursive strategy and libgit2 use Myers.
public enum DiffAlgorithm: String, Sendable, CaseIterable {
    case myers
    case histogram
}

/// The diff of two sequences of interned elements, with the same choices as git's xdiff.
///
/// Matching git matters twice: the line merge must agree with `git merge-file` hunk for hunk, and the
/// token merge is checked against libgit2 on tokens written one per line. So this follows xdiff's steps:
/// trim the common ends, set aside elements with no match (and runs of too-common ones), run the
/// divide-and-conquer Myers search with xdiff's cost cut-offs on what is left, then slide each group of
/// changes as far down as it goes unless it can line up with a change in the other sequence.
public enum SequenceDiff {
    /// xdiff's limits: below these costs the search is exact.
    static let maximumEqualLimit = 1024
    static let snakeCount = 20
    static let heuristicMinimumCost = 256
    static let minimumMaximumCost = 256
    static let similarScanWindow = 100
    static let keepDiscardRun = 4

    /// The hunks turning `old` into `new`, in order. Elements are compared by value.
    public static func diff(_ old: [Int], _ new: [Int], algorithm: DiffAlgorithm = .myers) -> [DiffHunk] {
        var oldChanged = ChangeMarks(count: old.count)
        var newChanged = ChangeMarks(count: new.count)
        switch algorithm {
        case .myers:
            markChangesMyers(old, new, &oldChanged, &newChanged)
        case .histogram:
            // xdiff prepares nothing for the histogram diff: no trimmed ends, no records set aside.
            var search = HistogramSearch(old: old, new: new)
            search.compare(line1: 1, count1: old.count, line2: 1, count2: new.count)
            for index in 0..<old.count where search.oldChanged[index] { oldChanged[index] = true }
            for index in 0..<new.count where search.newChanged[index] { newChanged[index] = true }
        }
        compact(old, &oldChanged, other: &newChanged)
        compact(new, &newChanged, other: &oldChanged)
        return buildHunks(oldChanged, newChanged)
    }

    /// Whether each element is changed, with a `false` sentinel on both ends (xdiff's `rchg`).
    struct ChangeMarks {
        private var storage: [Bool]
        let count: Int

        init(count: Int) {
            self.count = count
            storage = [Bool](repeating: false, count: count + 2)
        }

        subscript(index: Int) -> Bool {
            get { index >= -1 && index <= count ? storage[index + 1] : false }
            set { storage[index + 1] = newValue }
        }
    }

    /// xdiff's `xdl_bogosqrt`: a cheap power-of-two bound near twice the square root.
    static func roughSquareRoot(_ value: Int) -> Int {
        var result = 1
        var rest = value
        while rest > 0 {
            result <<= 1
            rest >>= 2
        }
        return result
    }

    // MARK: - Preparation (xdiff's xprepare.c)

    static func markChangesMyers(_ old: [Int], _ new: [Int], _ oldChanged: inout ChangeMarks, _ newChanged: inout ChangeMarks) {
        var start = 0
        let shorter = min(old.count, new.count)
        while start < shorter && old[start] == new[start] { start += 1 }
        var suffix = 0
        while suffix < shorter - start && old[old.count - 1 - suffix] == new[new.count - 1 - suffix] { suffix += 1 }
        let oldEnd = old.count - suffix - 1
        let newEnd = new.count - suffix - 1

        var oldOccurrences: [Int: Int] = [:]
        var newOccurrences: [Int: Int] = [:]
        for element in old { oldOccurrences[element, default: 0] += 1 }
        for element in new { newOccurrences[element, default: 0] += 1 }

        let oldKept = keptElements(old, start: start, end: oldEnd, matchesInOther: newOccurrences, changed: &oldChanged)
        let newKept = keptElements(new, start: start, end: newEnd, matchesInOther: oldOccurrences, changed: &newChanged)

        var search = MyersSearch(old: oldKept.values, new: newKept.values)
        search.compare(oldStart: 0, oldLimit: oldKept.values.count, newStart: 0, newLimit: newKept.values.count, needMinimal: false)
        for index in 0..<oldKept.values.count where search.oldChanged[index] { oldChanged[oldKept.indices[index]] = true }
        for index in 0..<newKept.values.count where search.newChanged[index] { newChanged[newKept.indices[index]] = true }
    }

    /// xdiff's `xdl_cleanup_records`: elements without a match in the other sequence are changed outright;
    /// elements with very many matches are set aside when they sit among unmatched ones.
    static func keptElements(_ sequence: [Int], start: Int, end: Int, matchesInOther: [Int: Int],
                             changed: inout ChangeMarks) -> (values: [Int], indices: [Int]) {
        guard start <= end else { return ([], []) }
        let limit = min(roughSquareRoot(sequence.count), maximumEqualLimit)
        var discard = [UInt8](repeating: 0, count: sequence.count + 1)
        for index in start...end {
            let matches = matchesInOther[sequence[index]] ?? 0
            discard[index] = matches == 0 ? 0 : (matches >= limit ? 2 : 1)
        }
        var values: [Int] = []
        var indices: [Int] = []
        for index in start...end {
            if discard[index] == 1 || (discard[index] == 2 && !isSurroundedByUnmatched(discard, index, start, end)) {
                values.append(sequence[index])
                indices.append(index)
            } else {
                changed[index] = true
            }
        }
        return (values, indices)
    }

    /// xdiff's `xdl_clean_mmatch`: a too-common element goes when the runs around it are mostly unmatched.
    static func isSurroundedByUnmatched(_ discard: [UInt8], _ index: Int, _ start: Int, _ end: Int) -> Bool {
        let start = index - start > similarScanWindow ? index - similarScanWindow : start
        let end = end - index > similarScanWindow ? index + similarScanWindow : end
        var unmatchedBefore = 0
        var commonBefore = 1
        var offset = 1
        while index - offset >= start {
            let mark = discard[index - offset]
            if mark == 0 { unmatchedBefore += 1 } else if mark == 2 { commonBefore += 1 } else { break }
            offset += 1
        }
        if unmatchedBefore == 0 { return false }
        var unmatchedAfter = 0
        var commonAfter = 1
        offset = 1
        while index + offset <= end {
            let mark = discard[index + offset]
            if mark == 0 { unmatchedAfter += 1 } else if mark == 2 { commonAfter += 1 } else { break }
            offset += 1
        }
        if unmatchedAfter == 0 { return false }
        let unmatched = unmatchedAfter + unmatchedBefore
        let common = commonAfter + commonBefore
        return common * keepDiscardRun < common + unmatched
    }

    // MARK: - Sliding groups (xdiff's xdl_change_compact, without the indent heuristic)

    struct Group {
        var start: Int
        var end: Int
    }

    static func firstGroup(_ marks: ChangeMarks) -> Group {
        var group = Group(start: 0, end: 0)
        while marks[group.end] { group.end += 1 }
        return group
    }

    static func nextGroup(_ marks: ChangeMarks, _ group: inout Group) -> Bool {
        guard group.end != marks.count else { return false }
        group.start = group.end + 1
        group.end = group.start
        while marks[group.end] { group.end += 1 }
        return true
    }

    static func previousGroup(_ marks: ChangeMarks, _ group: inout Group) -> Bool {
        guard group.start != 0 else { return false }
        group.end = group.start - 1
        group.start = group.end
        while marks[group.start - 1] { group.start -= 1 }
        return true
    }

    static func slideDown(_ sequence: [Int], _ marks: inout ChangeMarks, _ group: inout Group) -> Bool {
        guard group.end < marks.count && sequence[group.start] == sequence[group.end] else { return false }
        marks[group.start] = false
        group.start += 1
        marks[group.end] = true
        group.end += 1
        while marks[group.end] { group.end += 1 }
        return true
    }

    static func slideUp(_ sequence: [Int], _ marks: inout ChangeMarks, _ group: inout Group) -> Bool {
        guard group.start > 0 && sequence[group.start - 1] == sequence[group.end - 1] else { return false }
        group.start -= 1
        marks[group.start] = true
        group.end -= 1
        marks[group.end] = false
        while marks[group.start - 1] { group.start -= 1 }
        return true
    }

    static func compact(_ sequence: [Int], _ marks: inout ChangeMarks, other: inout ChangeMarks) {
        var group = firstGroup(marks)
        var otherGroup = firstGroup(other)
        while true {
            if group.end != group.start {
                var groupSize = 0
                var earliestEnd = 0
                var endMatchingOther = -1
                repeat {
                    groupSize = group.end - group.start
                    endMatchingOther = -1
                    while slideUp(sequence, &marks, &group) {
                        precondition(previousGroup(other, &otherGroup), "group sync broken sliding up")
                    }
                    earliestEnd = group.end
                    if otherGroup.end > otherGroup.start { endMatchingOther = group.end }
                    while slideDown(sequence, &marks, &group) {
                        precondition(nextGroup(other, &otherGroup), "group sync broken sliding down")
                        if otherGroup.end > otherGroup.start { endMatchingOther = group.end }
                    }
                } while groupSize != group.end - group.start

                if group.end != earliestEnd && endMatchingOther != -1 {
                    // Line the group up with the last change of the other side it can meet.
                    while otherGroup.end == otherGroup.start {
                        precondition(slideUp(sequence, &marks, &group), "match disappeared")
                        precondition(previousGroup(other, &otherGroup), "group sync broken sliding to match")
                    }
                }
            }
            if !nextGroup(marks, &group) { break }
            precondition(nextGroup(other, &otherGroup), "group sync broken moving to next group")
        }
    }

    /// xdiff's `xdl_build_script`: pairs the groups of changes on both sides.
    static func buildHunks(_ oldChanged: ChangeMarks, _ newChanged: ChangeMarks) -> [DiffHunk] {
        var hunks: [DiffHunk] = []
        var oldIndex = oldChanged.count
        var newIndex = newChanged.count
        while oldIndex >= 0 || newIndex >= 0 {
            if oldChanged[oldIndex - 1] || newChanged[newIndex - 1] {
                let oldEnd = oldIndex
                let newEnd = newIndex
                while oldChanged[oldIndex - 1] { oldIndex -= 1 }
                while newChanged[newIndex - 1] { newIndex -= 1 }
                hunks.append(DiffHunk(oldStart: oldIndex, oldCount: oldEnd - oldIndex,
                                      newStart: newIndex, newCount: newEnd - newIndex))
            }
            oldIndex -= 1
            newIndex -= 1
        }
        return hunks.reversed()
    }
}
