/// git's histogram diff (xdiff's `xhistogram.c`): marks the changed elements of two sequences.
///
/// It is what `git merge` (merge-ort) uses for file contents. The search finds the longest common run
/// made of the rarest elements of `old`, splits there, and recurses on both sides; where every common
/// element is too frequent (more than 64 occurrences) it falls back to the Myers diff on that range.
/// Ties are broken as git breaks them, which depends on the order of git's hash-table chains: so elements
/// are renumbered as git's classifier numbers lines (in order of first appearance, old then new) and
/// hashed with git's `XDL_HASHLONG`.
struct HistogramSearch {
    /// Element classes, numbered like xdiff's classifier; compared for equality only.
    private let old: [Int]
    private let new: [Int]
    var oldChanged: [Bool]
    var newChanged: [Bool]

    static let maximumChainLength = 64

    init(old: [Int], new: [Int]) {
        var classes: [Int: Int] = [:]
        func classify(_ element: Int) -> Int {
            if let known = classes[element] { return known }
            let next = classes.count
            classes[element] = next
            return next
        }
        self.old = old.map(classify)
        self.new = new.map(classify)
        oldChanged = [Bool](repeating: false, count: old.count)
        newChanged = [Bool](repeating: false, count: new.count)
    }

    /// A common run: 1-based inclusive line numbers in old (`begin1...end1`) and new; 0 means none found.
    private struct Run {
        var begin1 = 0, end1 = 0, begin2 = 0, end2 = 0
    }

    /// xdiff's `histogram_diff` over 1-based `line1` (count1 lines) of old and `line2` (count2) of new.
    mutating func compare(line1: Int, count1: Int, line2: Int, count2: Int) {
        var line1 = line1, count1 = count1, line2 = line2, count2 = count2
        while true {
            if count1 <= 0 && count2 <= 0 { return }
            if count1 == 0 {
                for line in line2..<(line2 + count2) { newChanged[line - 1] = true }
                return
            }
            if count2 == 0 {
                for line in line1..<(line1 + count1) { oldChanged[line - 1] = true }
                return
            }
            guard let (run, fallBack) = findCommonRun(line1: line1, count1: count1, line2: line2, count2: count2),
                  !fallBack else {
                fallBackToMyers(line1: line1, count1: count1, line2: line2, count2: count2)
                return
            }
            if run.begin1 == 0 && run.begin2 == 0 {
                for line in line1..<(line1 + count1) { oldChanged[line - 1] = true }
                for line in line2..<(line2 + count2) { newChanged[line - 1] = true }
                return
            }
            compare(line1: line1, count1: run.begin1 - line1, line2: line2, count2: run.begin2 - line2)
            let end1 = line1 + count1 - 1, end2 = line2 + count2 - 1
            count1 = end1 - run.end1
            line1 = run.end1 + 1
            count2 = end2 - run.end2
            line2 = run.end2 + 1
        }
    }

    /// xdiff's `xdl_fall_back_diff`: the classic diff of just these ranges, prepared afresh.
    private mutating func fallBackToMyers(line1: Int, count1: Int, line2: Int, count2: Int) {
        let oldRange = (line1 - 1)..<(line1 - 1 + count1), newRange = (line2 - 1)..<(line2 - 1 + count2)
        var oldMarks = SequenceDiff.ChangeMarks(count: count1)
        var newMarks = SequenceDiff.ChangeMarks(count: count2)
        SequenceDiff.markChangesMyers(Array(old[oldRange]), Array(new[newRange]), &oldMarks, &newMarks)
        for index in 0..<count1 { oldChanged[oldRange.lowerBound + index] = oldMarks[index] }
        for index in 0..<count2 { newChanged[newRange.lowerBound + index] = newMarks[index] }
    }

    /// git's `xdl_hashbits`: the bits of the smallest power of two not below `size` (at least 1).
    static func hashBits(_ size: Int) -> Int {
        var value = 1, bits = 0
        while value < size && bits < 32 {
            value <<= 1
            bits += 1
        }
        return bits == 0 ? 1 : bits
    }

    /// xdiff's `find_lcs` (with `scanA` and `try_lcs`): nil when git's scan gives up (a hash chain of 64
    /// distinct elements), else the run and whether git falls back to Myers for this range.
    private func findCommonRun(line1: Int, count1: Int, line2: Int, count2: Int) -> (Run, Bool)? {
        let tableBits = Self.hashBits(count1)
        // xdiff's XDL_HASHLONG: (v + (v >> bits)) masked to `bits`.
        let mask = (1 << tableBits) - 1
        func bucket(_ element: Int) -> Int { (element + (element >> tableBits)) & mask }
        let end1 = line1 + count1 - 1, end2 = line2 + count2 - 1
        // Records: one per distinct element of old in range, chained per bucket, newest first.
        var heads = [Int](repeating: -1, count: 1 << tableBits)
        var recordLine: [Int] = [], recordCount: [Int] = [], recordNext: [Int] = []
        recordLine.reserveCapacity(count1 / 4 + 1)
        var lineRecord = [Int](repeating: -1, count: count1)
        var nextLine = [Int](repeating: 0, count: count1)

        var line = end1
        while line >= line1 {
            let element = old[line - 1]
            var record = heads[bucket(element)]
            var chainLength = 0
            while record >= 0 && old[recordLine[record] - 1] != element {
                record = recordNext[record]
                chainLength += 1
            }
            if record >= 0 {
                nextLine[line - line1] = recordLine[record]
                recordLine[record] = line
                recordCount[record] += 1
                lineRecord[line - line1] = record
            } else {
                if chainLength == Self.maximumChainLength { return nil }
                recordLine.append(line)
                recordCount.append(1)
                recordNext.append(heads[bucket(element)])
                heads[bucket(element)] = recordLine.count - 1
                lineRecord[line - line1] = recordLine.count - 1
            }
            line -= 1
        }

        var run = Run()
        var lowestCount = Self.maximumChainLength + 1
        var hasCommon = false
        var bLine = line2
        while bLine <= end2 {
            var bNext = bLine + 1
            let element = new[bLine - 1]
            var record = heads[bucket(element)]
            while record >= 0 {
                defer { record = recordNext[record] }
                if recordCount[record] > lowestCount {
                    if !hasCommon { hasCommon = old[recordLine[record] - 1] == element }
                    continue
                }
                var aStart = recordLine[record]
                if old[aStart - 1] != element { continue }
                hasCommon = true
                while true {
                    var candidate = nextLine[aStart - line1]
                    var bStart = bLine
                    var aEnd = aStart, bEnd = bStart
                    var runCount = recordCount[record]
                    while line1 < aStart && line2 < bStart && old[aStart - 2] == new[bStart - 2] {
                        aStart -= 1
                        bStart -= 1
                        if runCount > 1 { runCount = min(runCount, recordCount[lineRecord[aStart - line1]]) }
                    }
                    while aEnd < end1 && bEnd < end2 && old[aEnd] == new[bEnd] {
                        aEnd += 1
                        bEnd += 1
                        if runCount > 1 { runCount = min(runCount, recordCount[lineRecord[aEnd - line1]]) }
                    }
                    if bNext <= bEnd { bNext = bEnd + 1 }
                    if run.end1 - run.begin1 < aEnd - aStart || runCount < lowestCount {
                        run = Run(begin1: aStart, end1: aEnd, begin2: bStart, end2: bEnd)
                        lowestCount = runCount
                    }
                    if candidate == 0 { break }
                    while candidate <= aEnd {
                        candidate = nextLine[candidate - line1]
                        if candidate == 0 { break }
                    }
                    if candidate == 0 { break }
                    aStart = candidate
                }
            }
            bLine = bNext
        }
        return (run, hasCommon && Self.maximumChainLength < lowestCount)
    }
}
