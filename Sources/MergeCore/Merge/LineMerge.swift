/// Splits text into lines as git does: each line keeps its `\n`; a last line without one is still a line.
public func splitLines(_ text: [UInt8]) -> [ArraySlice<UInt8>] {
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    for index in text.indices where text[index] == UInt8(ascii: "\n") {
        lines.append(text[start...index])
        start = index + 1
    }
    if start < text.count { lines.append(text[start...]) }
    return lines
}

/// A conflicting region of the line merge: the three sides' text and where it sits among the changes.
public struct LineRegion: Sendable, Hashable {
    /// Position of this conflict in `LineMerge.merge.changes`.
    public let changeIndex: Int
    public let base: [UInt8]
    public let ours: [UInt8]
    public let theirs: [UInt8]
    /// 1-based line of ours where the region starts, for messages.
    public let oursLine: Int
}

/// Which of git's line merges to reproduce: they differ in the diff and in how conflicts join.
public struct LineMergeFlavor: Sendable, Hashable {
    public var algorithm: DiffAlgorithm
    /// `git merge-file` joins conflicts separated only by lines without letters or digits
    /// (xdiff's `XDL_MERGE_ZEALOUS_ALNUM`); `git merge` does not (`ll_merge` asks for `XDL_MERGE_ZEALOUS`).
    public var joinsAcrossLinesWithoutAlphanumerics: Bool

    public init(algorithm: DiffAlgorithm, joinsAcrossLinesWithoutAlphanumerics: Bool) {
        self.algorithm = algorithm
        self.joinsAcrossLinesWithoutAlphanumerics = joinsAcrossLinesWithoutAlphanumerics
    }

    /// What `git merge`, `rebase`, `cherry-pick` and `revert` write (merge-ort hard-codes the histogram diff).
    public static let gitMerge = LineMergeFlavor(algorithm: .histogram, joinsAcrossLinesWithoutAlphanumerics: false)
    /// What `git merge-file` and libgit2's `git_merge_file` write.
    public static let gitMergeFile = LineMergeFlavor(algorithm: .myers, joinsAcrossLinesWithoutAlphanumerics: true)
    /// What the recursive strategy writes (`git merge -s recursive`, and what git 2.39 uses for `git stash`).
    public static let mergeRecursive = LineMergeFlavor(algorithm: .myers, joinsAcrossLinesWithoutAlphanumerics: false)
}

/// git's line-level three-way merge of three texts, kept as structure so that regions can be resolved
/// one by one and the rest written back exactly as git would write them.
public struct LineMerge {
    public let base: [ArraySlice<UInt8>]
    public let ours: [ArraySlice<UInt8>]
    public let theirs: [ArraySlice<UInt8>]
    private let oursIDs: [Int]
    private let theirsIDs: [Int]
    /// The eager merge: conflicts here are the regions (what `diff3` shows).
    public let merge: ThreeWayMerge
    public let flavor: LineMergeFlavor

    public init(base: [UInt8], ours: [UInt8], theirs: [UInt8], flavor: LineMergeFlavor = .gitMerge) {
        self.flavor = flavor
        self.base = splitLines(base)
        self.ours = splitLines(ours)
        self.theirs = splitLines(theirs)
        var interner = Interner<ByteStringKey>()
        let baseIDs = interner.ids(self.base.lazy.map(ByteStringKey.init))
        oursIDs = interner.ids(self.ours.lazy.map(ByteStringKey.init))
        theirsIDs = interner.ids(self.theirs.lazy.map(ByteStringKey.init))
        merge = ThreeWayMerge(base: baseIDs, ours: oursIDs, theirs: theirsIDs, algorithm: flavor.algorithm)
    }

    /// The conflicting regions, in file order.
    public var regions: [LineRegion] {
        merge.changes.indices.compactMap { index in
            let change = merge.changes[index]
            guard change.kind == .conflict else { return nil }
            return LineRegion(changeIndex: index,
                              base: Array(base[change.baseRange].joined()),
                              ours: Array(ours[change.oursRange].joined()),
                              theirs: Array(theirs[change.theirsRange].joined()),
                              oursLine: change.oursStart + 1)
        }
    }

    /// The merged text in `style`; regions listed in `resolutions` (by change index) are replaced by their text.
    public func render(style: ConflictStyle, markers: ConflictMarkers, resolutions: [Int: [UInt8]] = [:]) -> [UInt8] {
        var changes = merge.changes
        var texts: [[UInt8]] = []
        for (index, text) in resolutions.sorted(by: { $0.key < $1.key }) where changes[index].kind == .conflict {
            changes[index].kind = .resolved(texts.count)
            texts.append(text)
        }
        return MergeRenderer(base: base, ours: ours, theirs: theirs)
            .render(refined(changes, style: style), style: style, markers: markers, resolutions: texts)
    }

    /// Whether git reports a conflict for this file in `style` (after `merge` style's refinement, a
    /// conflict whose sides are equal is none).
    public func hasConflicts(style: ConflictStyle) -> Bool {
        refined(merge.changes, style: style).contains { $0.kind == .conflict }
    }

    private func refined(_ changes: [MergeChange], style: ConflictStyle) -> [MergeChange] {
        let ours = self.ours
        return ConflictRefinement.refine(changes, style: style, flavor: flavor, ours: oursIDs, theirs: theirsIDs) { range in
            range.contains { ours[$0].contains(where: isASCIIAlphanumeric) }
        }
    }
}

@inline(__always) func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
}

/// git's `buffer_is_binary`: a NUL byte among the first 8000 bytes. git merges such files by keeping ours.
public func isBinaryForGit(_ text: [UInt8]) -> Bool {
    text.prefix(8000).contains(0)
}
