import Encoder
import MergeCore

/// Turns a conflict (a, o, b) and its context into the model's integer inputs: MergeBERT's four aligned
/// sequences a|o, o|a, b|o, o|b with an edit type per position.
///
/// This one piece of code builds inputs for inference and for `mergebert mine` (training data), so the
/// two can never disagree. Token ids are hashed into the vocabulary (no vocabulary file to keep in sync);
/// whitespace runs are dropped (their edits rarely decide a resolution), line endings are kept.
public struct Featurizer: Sendable {
    public let vocabularySize: Int
    public let maximumLength: Int
    /// Context tokens kept on each side of the conflict.
    public let contextLength: Int
    /// The side features the model reads, in order (its configuration's `features`).
    public let featureNames: [String]

    /// Ids below this are fixed: the Encoder's special tokens, then a line ending.
    public static let newlineID: Int32 = 4
    static let firstHashedID: Int32 = 5

    /// Why a model of this size cannot be fed (too few ids beyond the special tokens, or too short a
    /// sequence for the views), or nil when it can.
    public static func unusable(vocabularySize: Int, maximumLength: Int) -> String? {
        if vocabularySize <= Int(firstHashedID) { return "vocab_size \(vocabularySize) leaves no ids for tokens (more than \(firstHashedID) needed)" }
        if maximumLength < 8 { return "max_length \(maximumLength) is too short for the four views (at least 8)" }
        return nil
    }

    public init(vocabularySize: Int, maximumLength: Int, contextLength: Int? = nil, featureNames: [String] = []) {
        precondition(Self.unusable(vocabularySize: vocabularySize, maximumLength: maximumLength) == nil)
        self.vocabularySize = vocabularySize
        self.maximumLength = maximumLength
        self.featureNames = featureNames
        self.contextLength = min(contextLength ?? maximumLength / 8, (maximumLength - 3) / 4)
    }

    /// The id of a token: fixed for line endings, a stable hash of its bytes otherwise.
    public func id(of token: Token) -> Int32 {
        if token.kind == .newline { return Self.newlineID }
        var hash = StableHash()
        hash.combine(token.bytes)
        return Self.firstHashedID + Int32(hash.value % UInt64(vocabularySize - Int(Self.firstHashedID)))
    }

    /// The four views of a conflict with `before` and `after` as context (nearest tokens kept).
    public func views(base: [Token], ours: [Token], theirs: [Token], before: [Token] = [], after: [Token] = []) -> EncoderInput {
        let oursEdits = Self.editTypes(base: base, side: ours)
        let theirsEdits = Self.editTypes(base: base, side: theirs)
        let contextBefore = Array(before.filter { $0.kind != .whitespace }.suffix(contextLength))
        let contextAfter = Array(after.filter { $0.kind != .whitespace }.prefix(contextLength))
        let views: [([Token], [EditType])] = [
            (ours, oursEdits.side), (base, oursEdits.base), (theirs, theirsEdits.side), (base, theirsEdits.base),
        ]
        var tokenIDs: [[Int32]] = []
        var editTypes: [[Int32]] = []
        for (tokens, edits) in views {
            var ids: [Int32] = [SpecialToken.start]
            var types: [Int32] = [EditType.equal.rawValue]
            ids += contextBefore.map(id(of:))
            types += Array(repeating: EditType.equal.rawValue, count: contextBefore.count)
            ids.append(SpecialToken.separator)
            types.append(EditType.equal.rawValue)
            let budget = maximumLength - ids.count - 1 - contextAfter.count
            var kept = 0
            for (token, edit) in zip(tokens, edits) where token.kind != .whitespace && kept < budget {
                ids.append(id(of: token))
                types.append(edit.rawValue)
                kept += 1
            }
            ids.append(SpecialToken.separator)
            types.append(EditType.equal.rawValue)
            ids += contextAfter.map(id(of:))
            types += Array(repeating: EditType.equal.rawValue, count: contextAfter.count)
            tokenIDs.append(ids)
            editTypes.append(types)
        }
        return EncoderInput(tokenIDs: tokenIDs, editTypes: editTypes)
    }

    /// The input for a whole region (its three sides, no context), with the facts of its token-level merge.
    public func regionInput(of merge: TokenMerge, language: SourceLanguage) -> EncoderInput {
        withSideFeatures(views(base: merge.base, ours: merge.ours, theirs: merge.theirs), facts: regionFacts(of: merge, language: language))
    }

    /// The input for one token conflict of a region's token-level merge.
    public func conflictInput(of merge: TokenMerge, conflict index: Int, language: SourceLanguage) -> EncoderInput {
        withSideFeatures(views(of: merge, conflict: index), facts: ConflictFacts(isRegion: false, language: language))
    }

    public func regionFacts(of merge: TokenMerge, language: SourceLanguage) -> ConflictFacts {
        ConflictFacts(isRegion: true, tokenMergeClean: merge.isClean, tokenConflicts: merge.conflicts.count, language: language)
    }

    private func withSideFeatures(_ input: EncoderInput, facts: ConflictFacts) -> EncoderInput {
        var input = input
        input.features = SideFeatures.values(names: featureNames, input: input, facts: facts)
        return input
    }

    /// The views of one token conflict of a token merge, with the stable tokens around it as context.
    public func views(of merge: TokenMerge, conflict index: Int) -> EncoderInput {
        var before: [Token] = [], after: [Token] = []
        var seen = -1
        var conflict: TokenConflict?
        for chunk in merge.chunks {
            switch chunk {
            case .stable(let tokens):
                if conflict == nil { before += tokens } else if after.count < contextLength * 2 { after += tokens }
            case .conflict(let current):
                seen += 1
                if seen == index { conflict = current } else if conflict == nil { before.removeAll() } else if after.count < contextLength * 2 {
                    after += current.ours
                }
            }
        }
        guard let conflict else { preconditionFailure("conflict \(index) out of range") }
        return views(base: Array(conflict.base), ours: Array(conflict.ours), theirs: Array(conflict.theirs), before: before, after: after)
    }

    /// Edit types of `side` against `base`, for the side's positions and the base's positions.
    static func editTypes(base: [Token], side: [Token]) -> (side: [EditType], base: [EditType]) {
        var interner = Interner<ArraySlice<UInt8>>()
        let baseIDs = base.map { interner.id($0.bytes) }
        let sideIDs = side.map { interner.id($0.bytes) }
        var sideTypes = [EditType](repeating: .equal, count: side.count)
        var baseTypes = [EditType](repeating: .equal, count: base.count)
        for hunk in SequenceDiff.diff(baseIDs, sideIDs) {
            let sideType: EditType = hunk.oldCount == 0 ? .insert : .replace
            let baseType: EditType = hunk.newCount == 0 ? .delete : .replace
            for index in hunk.newStart..<(hunk.newStart + hunk.newCount) { sideTypes[index] = sideType }
            for index in hunk.oldStart..<(hunk.oldStart + hunk.oldCount) { baseTypes[index] = baseType }
        }
        return (sideTypes, baseTypes)
    }
}
