/// The version of mergebert, printed by `--version` and `doctor`, and recorded with every resolution.
public enum ToolVersion {
    public static let current = "0.7.0"
}
