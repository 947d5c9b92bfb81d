import MergeCore

/// The end of most driver runs: git calls the driver for every file both sides changed, and most of them
/// merge cleanly line by line. That text depends on nothing but the diff git would use (the operation's
/// flavor): no repository, labels, configuration or model are needed to write it.
public enum CleanLineMerge {
    /// git's merge of the three texts when it has no conflict and none of them is binary; nil otherwise.
    public static func text(base: [UInt8], ours: [UInt8], theirs: [UInt8], flavor: LineMergeFlavor) -> [UInt8]? {
        guard ![base, ours, theirs].contains(where: isBinaryForGit) else { return nil }
        let merge = LineMerge(base: base, ours: ours, theirs: theirs, flavor: flavor)
        guard !merge.merge.hasConflicts else { return nil }
        return merge.render(style: .merge, markers: ConflictMarkers())
    }
}
