/// One token-level conflict of a region: the tuple (a_j, o_j, b_j) of the MergeBERT paper.
public struct TokenConflict: Sendable, Hashable {
    public let base: ArraySlice<Token>
    public let ours: ArraySlice<Token>
    public let theirs: ArraySlice<Token>
}

/// A piece of a token merge: tokens both sides agree on, or a conflict.
public enum TokenMergeChunk: Sendable, Hashable {
    case stable(ArraySlice<Token>)
    case conflict(TokenConflict)
}

/// The three-way merge of a region's tokens (git's diff3 rules, applied to tokens instead of lines).
public struct TokenMerge: Sendable {
    public let base: [Token]
    public let ours: [Token]
    public let theirs: [Token]
    /// Stable runs and conflicts, in order.
    public let chunks: [TokenMergeChunk]

    public init(base: [Token], ours: [Token], theirs: [Token]) {
        self.base = base
        self.ours = ours
        self.theirs = theirs
        var interner = Interner<ArraySlice<UInt8>>()
        let merge = ThreeWayMerge(base: base.map { interner.id($0.bytes) }, ours: ours.map { interner.id($0.bytes) },
                                  theirs: theirs.map { interner.id($0.bytes) })
        var chunks: [TokenMergeChunk] = []
        for segment in merge.segments {
            switch segment {
            case .ours(let range):
                chunks.append(.stable(ours[range]))
            case .theirs(let range):
                chunks.append(.stable(theirs[range]))
            case .conflict(let baseRange, let oursRange, let theirsRange):
                chunks.append(.conflict(TokenConflict(base: base[baseRange], ours: ours[oursRange], theirs: theirs[theirsRange])))
            }
        }
        self.chunks = chunks
    }

    public var conflicts: [TokenConflict] {
        chunks.compactMap { if case .conflict(let conflict) = $0 { conflict } else { nil } }
    }

    public var isClean: Bool { conflicts.isEmpty }

    /// The merged tokens when no conflict remains.
    public var cleanResult: [Token]? { isClean ? resolved(with: []) : nil }

    /// The merge with the `index`-th conflict replaced by `resolutions[index]`.
    public func resolved(with resolutions: [[Token]]) -> [Token] {
        var result: [Token] = []
        var next = 0
        for chunk in chunks {
            switch chunk {
            case .stable(let tokens):
                result += tokens
            case .conflict:
                result += resolutions[next]
                next += 1
            }
        }
        return result
    }
}

extension Sequence where Element == Token {
    /// The bytes of the tokens, concatenated.
    public var joinedBytes: [UInt8] {
        var bytes: [UInt8] = []
        for token in self { bytes += token.bytes }
        return bytes
    }
}
