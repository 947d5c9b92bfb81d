import MergeCore

/// Why an input is kept away from resolution and given git's own merge instead (pipeline step 1).
public enum SkipReason: Sendable, Hashable, CustomStringConvertible {
    case binary
    case invalidUTF8
    case containsConflictMarkers
    case tooLarge(bytes: Int, limit: Int)
    case disabled

    public var description: String {
        switch self {
        case .binary: "binary content (NUL bytes); git's merge result kept"
        case .invalidUTF8: "not valid UTF-8; git's line merge kept"
        case .containsConflictMarkers: "an input already holds conflict markers; git's line merge kept"
        case .tooLarge(let bytes, let limit): "input of \(bytes) bytes exceeds the \(limit)-byte limit; git's line merge kept"
        case .disabled: "resolution turned off (MERGEBERT=0 or a model that could not be loaded); git's line merge kept"
        }
    }
}

/// Checks the three inputs before anything is resolved.
public enum InputScreen {
    /// The first reason to skip resolution for these inputs, or nil when they are fit for it.
    public static func reasonToSkip(_ inputs: [[UInt8]], sizeLimit: Int, markerSize: Int) -> SkipReason? {
        for input in inputs where input.contains(0) { return .binary }
        for input in inputs where input.count > sizeLimit { return .tooLarge(bytes: input.count, limit: sizeLimit) }
        for input in inputs where String(validating: input, as: UTF8.self) == nil { return .invalidUTF8 }
        for input in inputs where ConflictMarkerScanner.containsMarkers(input, size: markerSize) { return .containsConflictMarkers }
        return nil
    }
}

