/// xdiff's divide-and-conquer Myers search (`xdl_recs_cmp` and `xdl_split`) over two element arrays.
///
/// It marks which elements of each side are changed. Past an edit cost of 256 it takes xdiff's shortcuts
/// (good diagonal snakes, then the furthest-reaching path), which keeps huge inputs fast and the choices
/// identical to git's.
struct MyersSearch {
    let old: [Int]
    let new: [Int]
    var oldChanged: [Bool]
    var newChanged: [Bool]
    /// Forward and backward furthest-reaching positions per diagonal, shared by every level of recursion.
    private var forward: [Int]
    private var backward: [Int]
    /// Index of diagonal 0 in `forward` and `backward`.
    private let diagonalOffset: Int
    private let maximumCost: Int

    private struct Split {
        var old = 0
        var new = 0
        var minimalBelow = false
        var minimalAbove = false
    }

    init(old: [Int], new: [Int]) {
        self.old = old
        self.new = new
        oldChanged = [Bool](repeating: false, count: old.count)
        newChanged = [Bool](repeating: false, count: new.count)
        let diagonals = old.count + new.count + 3
        forward = [Int](repeating: 0, count: diagonals + 1)
        backward = [Int](repeating: 0, count: diagonals + 1)
        diagonalOffset = new.count + 1
        maximumCost = max(SequenceDiff.roughSquareRoot(diagonals), SequenceDiff.minimumMaximumCost)
    }

    mutating func compare(oldStart: Int, oldLimit: Int, newStart: Int, newLimit: Int, needMinimal: Bool) {
        var oldStart = oldStart, oldLimit = oldLimit, newStart = newStart, newLimit = newLimit
        while oldStart < oldLimit && newStart < newLimit && old[oldStart] == new[newStart] {
            oldStart += 1
            newStart += 1
        }
        while oldStart < oldLimit && newStart < newLimit && old[oldLimit - 1] == new[newLimit - 1] {
            oldLimit -= 1
            newLimit -= 1
        }
        if oldStart == oldLimit {
            for index in newStart..<newLimit { newChanged[index] = true }
        } else if newStart == newLimit {
            for index in oldStart..<oldLimit { oldChanged[index] = true }
        } else {
            let split = self.split(oldStart, oldLimit, newStart, newLimit, needMinimal: needMinimal)
            compare(oldStart: oldStart, oldLimit: split.old, newStart: newStart, newLimit: split.new, needMinimal: split.minimalBelow)
            compare(oldStart: split.old, oldLimit: oldLimit, newStart: split.new, newLimit: newLimit, needMinimal: split.minimalAbove)
        }
    }

    private mutating func split(_ off1: Int, _ lim1: Int, _ off2: Int, _ lim2: Int, needMinimal: Bool) -> Split {
        let base = diagonalOffset
        let dmin = off1 - lim2, dmax = lim1 - off2
        let fmid = off1 - off2, bmid = lim1 - lim2
        let odd = (fmid - bmid) & 1 != 0
        var fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid
        forward[base + fmid] = off1
        backward[base + bmid] = lim1

        var cost = 1
        while true {
            var gotSnake = false

            if fmin > dmin { fmin -= 1; forward[base + fmin - 1] = -1 } else { fmin += 1 }
            if fmax < dmax { fmax += 1; forward[base + fmax + 1] = -1 } else { fmax -= 1 }
            var d = fmax
            while d >= fmin {
                var i1 = forward[base + d - 1] >= forward[base + d + 1] ? forward[base + d - 1] + 1 : forward[base + d + 1]
                let previous = i1
                var i2 = i1 - d
                while i1 < lim1 && i2 < lim2 && old[i1] == new[i2] { i1 += 1; i2 += 1 }
                if i1 - previous > SequenceDiff.snakeCount { gotSnake = true }
                forward[base + d] = i1
                if odd && bmin <= d && d <= bmax && backward[base + d] <= i1 {
                    return Split(old: i1, new: i2, minimalBelow: true, minimalAbove: true)
                }
                d -= 2
            }

            if bmin > dmin { bmin -= 1; backward[base + bmin - 1] = Int.max } else { bmin += 1 }
            if bmax < dmax { bmax += 1; backward[base + bmax + 1] = Int.max } else { bmax -= 1 }
            d = bmax
            while d >= bmin {
                var i1 = backward[base + d - 1] < backward[base + d + 1] ? backward[base + d - 1] : backward[base + d + 1] - 1
                let previous = i1
                var i2 = i1 - d
                while i1 > off1 && i2 > off2 && old[i1 - 1] == new[i2 - 1] { i1 -= 1; i2 -= 1 }
                if previous - i1 > SequenceDiff.snakeCount { gotSnake = true }
                backward[base + d] = i1
                if !odd && fmin <= d && d <= fmax && i1 <= forward[base + d] {
                    return Split(old: i1, new: i2, minimalBelow: true, minimalAbove: true)
                }
                d -= 2
            }

            if needMinimal { cost += 1; continue }

            // Past the heuristic trigger, take a diagonal that has gone far along a long enough snake.
            if gotSnake && cost > SequenceDiff.heuristicMinimumCost {
                var best = 0
                var result = Split()
                d = fmax
                while d >= fmin {
                    let distance = d > fmid ? d - fmid : fmid - d
                    let i1 = forward[base + d]
                    let i2 = i1 - d
                    let value = (i1 - off1) + (i2 - off2) - distance
                    if value > 4 * cost && value > best && off1 + SequenceDiff.snakeCount <= i1 && i1 < lim1
                        && off2 + SequenceDiff.snakeCount <= i2 && i2 < lim2 {
                        var k = 1
                        while old[i1 - k] == new[i2 - k] {
                            if k == SequenceDiff.snakeCount {
                                best = value
                                result = Split(old: i1, new: i2, minimalBelow: true, minimalAbove: false)
                                break
                            }
                            k += 1
                        }
                    }
                    d -= 2
                }
                if best > 0 { return result }

                d = bmax
                while d >= bmin {
                    let distance = d > bmid ? d - bmid : bmid - d
                    let i1 = backward[base + d]
                    let i2 = i1 - d
                    let value = (lim1 - i1) + (lim2 - i2) - distance
                    if value > 4 * cost && value > best && off1 < i1 && i1 <= lim1 - SequenceDiff.snakeCount
                        && off2 < i2 && i2 <= lim2 - SequenceDiff.snakeCount {
                        var k = 0
                        while old[i1 + k] == new[i2 + k] {
                            if k == SequenceDiff.snakeCount - 1 {
                                best = value
                                result = Split(old: i1, new: i2, minimalBelow: false, minimalAbove: true)
                                break
                            }
                            k += 1
                        }
                    }
                    d -= 2
                }
                if best > 0 { return result }
            }

            // Enough: split at the furthest-reaching path found so far.
            if cost >= maximumCost {
                var forwardBest = -1, forwardBestOld = -1
                d = fmax
                while d >= fmin {
                    var i1 = min(forward[base + d], lim1)
                    var i2 = i1 - d
                    if lim2 < i2 { i1 = lim2 + d; i2 = lim2 }
                    if forwardBest < i1 + i2 { forwardBest = i1 + i2; forwardBestOld = i1 }
                    d -= 2
                }
                var backwardBest = Int.max, backwardBestOld = Int.max
                d = bmax
                while d >= bmin {
                    var i1 = max(off1, backward[base + d])
                    var i2 = i1 - d
                    if i2 < off2 { i1 = off2 + d; i2 = off2 }
                    if i1 + i2 < backwardBest { backwardBest = i1 + i2; backwardBestOld = i1 }
                    d -= 2
                }
                if (lim1 + lim2) - backwardBest < forwardBest - (off1 + off2) {
                    return Split(old: forwardBestOld, new: forwardBest - forwardBestOld, minimalBelow: true, minimalAbove: false)
                }
                return Split(old: backwardBestOld, new: backwardBest - backwardBestOld, minimalBelow: false, minimalAbove: true)
            }
            cost += 1
        }
    }
}
