import MergeCore

/// Finds the developer's resolution of each region in the merge commit's file, between the unchanged
/// lines around the region (DeepMerge's "bookends"); a region whose bookends are not found exactly once
/// is reported as unlocatable rather than guessed.
public struct ResolutionLocator {
    /// Up to this many context lines are tried to make a bookend unique.
    public static let maximumBookendLines = 5

    /// The merged file as clean lines and region slots, in order.
    enum Item {
        case line(ArraySlice<UInt8>)
        case region(Int)
    }

    let items: [Item]
    let regionPositions: [Int]

    public init(_ lineMerge: LineMerge) {
        var items: [Item] = []
        var regionPositions: [Int] = []
        for segment in lineMerge.merge.segments {
            switch segment {
            case .ours(let range): items += range.map { .line(lineMerge.ours[$0]) }
            case .theirs(let range): items += range.map { .line(lineMerge.theirs[$0]) }
            case .conflict:
                regionPositions.append(items.count)
                items.append(.region(regionPositions.count - 1))
            }
        }
        self.items = items
        self.regionPositions = regionPositions
    }

    /// The developer's text for region `index` (0-based), or nil when it cannot be located uniquely.
    public func resolution(ofRegion index: Int, in resolvedLines: [ArraySlice<UInt8>]) -> [UInt8]? {
        let position = regionPositions[index]
        let before = cleanLines(from: position - 1, step: -1).reversed() as [ArraySlice<UInt8>]
        let after = cleanLines(from: position + 1, step: 1)

        let start: Int
        if before.isEmpty {
            guard position == 0 else { return nil }
            start = 0
        } else {
            guard let found = uniqueBookend(Array(before), in: resolvedLines, from: 0, atEnd: true) else { return nil }
            start = found
        }
        let end: Int
        if after.isEmpty {
            guard position == items.count - 1 else { return nil }
            end = resolvedLines.count
        } else {
            guard let found = uniqueBookend(after, in: resolvedLines, from: start, atEnd: false) else { return nil }
            end = found
        }
        guard start <= end else { return nil }
        return Array(resolvedLines[start..<end].joined())
    }

    /// Clean lines next to `position` walking by `step`, up to the next region or the file's edge.
    private func cleanLines(from position: Int, step: Int) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var index = position
        while index >= 0, index < items.count, lines.count < Self.maximumBookendLines, case .line(let line) = items[index] {
            lines.append(line)
            index += step
        }
        return lines
    }

    /// Where the bookend sits: for the line before a region (`atEnd`), the index after its last matching
    /// line; for the line after, the index of its first. Grows the bookend until it occurs exactly once.
    private func uniqueBookend(_ context: [ArraySlice<UInt8>], in lines: [ArraySlice<UInt8>], from lowerBound: Int, atEnd: Bool) -> Int? {
        for size in 1...context.count {
            let block = atEnd ? Array(context.suffix(size)) : Array(context.prefix(size))
            var matches: [Int] = []
            var candidate = lowerBound
            while candidate + size <= lines.count {
                if lines[candidate..<(candidate + size)].elementsEqual(block) {
                    matches.append(candidate)
                    if matches.count > 1 { break }
                }
                candidate += 1
            }
            if matches.isEmpty { return nil }
            if matches.count == 1 { return atEnd ? matches[0] + size : matches[0] }
        }
        return nil
    }
}
