import MergeCore

/// Locates the resolution of each token conflict of a region between the stable token runs around it.
public enum TokenResolutionLocator {
    /// The developer's tokens for each conflict of `merge`, or nil when the stable runs are not found
    /// in order, each exactly once.
    public static func resolutions(of merge: TokenMerge, in resolved: [Token]) -> [[Token]]? {
        let resolvedBytes = resolved.map(\.bytes)
        var position = 0
        var resolutions: [[Token]] = []
        var pendingConflict = false
        for (offset, chunk) in merge.chunks.enumerated() {
            switch chunk {
            case .conflict:
                pendingConflict = true
            case .stable(let tokens):
                let stable = tokens.map(\.bytes)
                let isLast = offset == merge.chunks.count - 1
                if !pendingConflict {
                    guard resolvedBytes[position...].starts(with: stable) else { return nil }
                    position += stable.count
                    continue
                }
                let found: Int
                if isLast {
                    guard resolvedBytes.count - stable.count >= position,
                          resolvedBytes[(resolvedBytes.count - stable.count)...].elementsEqual(stable) else { return nil }
                    found = resolvedBytes.count - stable.count
                } else {
                    guard let unique = uniqueOccurrence(stable, in: resolvedBytes, from: position) else { return nil }
                    found = unique
                }
                resolutions.append(Array(resolved[position..<found]))
                position = found + stable.count
                pendingConflict = false
            }
        }
        if pendingConflict {
            resolutions.append(Array(resolved[position...]))
        } else if position != resolved.count {
            return nil
        }
        return resolutions
    }

    private static func uniqueOccurrence(_ needle: [ArraySlice<UInt8>], in haystack: [ArraySlice<UInt8>], from start: Int) -> Int? {
        guard !needle.isEmpty else { return nil }
        var found: Int?
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0] && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                if found != nil { return nil }
                found = index
            }
            index += 1
        }
        return found
    }
}
