/// How unresolved conflicts are written, as git's `merge.conflictStyle`.
public enum ConflictStyle: String, Sendable, CaseIterable {
    /// Ours and theirs only; conflicts are narrowed where the two sides agree (git's default).
    case merge
    /// Ours, base and theirs, as `diff3 -m` writes them.
    case diff3
    /// Like diff3, with lines common to the start or end of ours and theirs moved out of the conflict.
    case zdiff3
}

/// Marker labels and size for rendering conflicts; `nil` labels leave the marker bare, as git does.
public struct ConflictMarkers: Sendable, Hashable {
    public var oursLabel: String?
    public var baseLabel: String?
    public var theirsLabel: String?
    /// Length of each marker run (`%L`, git's `conflict-marker-size`); git's default is 7.
    public var size: Int

    public init(oursLabel: String? = "ours", baseLabel: String? = "base", theirsLabel: String? = "theirs", size: Int = 7) {
        self.oursLabel = oursLabel
        self.baseLabel = baseLabel
        self.theirsLabel = theirsLabel
        self.size = size > 0 ? size : 7
    }
}
