import CLibGit2
import MergeCore

/// What `git_merge_file` produced: the merged text with git's markers, and whether it is conflict-free.
public struct MergeFileResult: Sendable {
    public let text: [UInt8]
    public let isClean: Bool
}

/// libgit2's `git_merge_file`: the same xdiff merge as `git merge-file`, in process.
public enum MergeFile {
    /// Merges three texts in memory with git's settings for `style` (alphanumeric simplification in
    /// `merge` style, as `git merge-file` does).
    public static func merge(base: [UInt8], ours: [UInt8], theirs: [UInt8], style: ConflictStyle,
                             markers: ConflictMarkers) throws -> MergeFileResult {
        LibGit2.ensureInitialized()
        var options = git_merge_file_options()
        git_merge_file_options_init(&options, UInt32(GIT_MERGE_FILE_OPTIONS_VERSION))
        switch style {
        case .merge: options.flags = GIT_MERGE_FILE_STYLE_MERGE.rawValue | GIT_MERGE_FILE_SIMPLIFY_ALNUM.rawValue
        case .diff3: options.flags = GIT_MERGE_FILE_STYLE_DIFF3.rawValue
        case .zdiff3: options.flags = GIT_MERGE_FILE_STYLE_ZDIFF3.rawValue
        }
        options.marker_size = UInt16(clamping: markers.size)

        var result = git_merge_file_result()
        defer { git_merge_file_result_free(&result) }
        try withOptionalCString(markers.baseLabel) { baseLabel in
            try withOptionalCString(markers.oursLabel) { oursLabel in
                try withOptionalCString(markers.theirsLabel) { theirsLabel in
                    options.ancestor_label = baseLabel
                    options.our_label = oursLabel
                    options.their_label = theirsLabel
                    try base.withUnsafeBufferPointer { baseBytes in
                        try ours.withUnsafeBufferPointer { oursBytes in
                            try theirs.withUnsafeBufferPointer { theirsBytes in
                                var baseInput = input(baseBytes)
                                var oursInput = input(oursBytes)
                                var theirsInput = input(theirsBytes)
                                try LibGit2.check("git_merge_file") {
                                    git_merge_file(&result, &baseInput, &oursInput, &theirsInput, &options)
                                }
                            }
                        }
                    }
                }
            }
        }
        let text = result.ptr.map { pointer in
            Array(UnsafeRawBufferPointer(start: pointer, count: result.len).bindMemory(to: UInt8.self))
        } ?? []
        return MergeFileResult(text: text, isClean: result.automergeable != 0)
    }

    /// Whether libgit2's merge of three texts, with the defaults `git_merge_trees` uses, has no conflict.
    public static func mergesCleanly(base: [UInt8], ours: [UInt8], theirs: [UInt8]) throws -> Bool {
        LibGit2.ensureInitialized()
        var options = git_merge_file_options()
        git_merge_file_options_init(&options, UInt32(GIT_MERGE_FILE_OPTIONS_VERSION))
        var result = git_merge_file_result()
        defer { git_merge_file_result_free(&result) }
        try base.withUnsafeBufferPointer { baseBytes in
            try ours.withUnsafeBufferPointer { oursBytes in
                try theirs.withUnsafeBufferPointer { theirsBytes in
                    var baseInput = input(baseBytes), oursInput = input(oursBytes), theirsInput = input(theirsBytes)
                    try LibGit2.check("git_merge_file") { git_merge_file(&result, &baseInput, &oursInput, &theirsInput, &options) }
                }
            }
        }
        return result.automergeable != 0
    }

    private static func input(_ bytes: UnsafeBufferPointer<UInt8>) -> git_merge_file_input {
        var input = git_merge_file_input()
        git_merge_file_input_init(&input, UInt32(GIT_MERGE_FILE_INPUT_VERSION))
        // libgit2 never writes through this pointer; an empty input still needs a valid one.
        input.ptr = bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            ?? UnsafePointer<CChar>(bitPattern: 1)
        input.size = bytes.count
        return input
    }

    private static func withOptionalCString<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) throws -> T) rethrows -> T {
        guard let string else { return try body(nil) }
        return try string.withCString { try body($0) }
    }
}
