import CLibGit2
import Foundation

/// The three versions of a conflicted path as git's index holds them (stages 1, 2 and 3).
public struct IndexConflict: Sendable {
    /// Stage 1; nil when the path did not exist in the merge base (both sides added it).
    public let base: [UInt8]?
    public let ours: [UInt8]?
    public let theirs: [UInt8]?
}

/// An open git repository (libgit2). Not shared across tasks: open one where it is used.
public final class Repository {
    let pointer: OpaquePointer

    /// Opens the repository containing `path` (a file or directory), searching upwards as git does.
    public init(discoveringFrom path: String) throws {
        LibGit2.ensureInitialized()
        var repository: OpaquePointer?
        try LibGit2.check("opening the repository at \(path)") {
            git_repository_open_ext(&repository, path, 0, nil)
        }
        pointer = repository!
    }

    deinit { git_repository_free(pointer) }

    /// The working directory, with a trailing slash; nil for a bare repository.
    public var workingDirectory: String? {
        git_repository_workdir(pointer).map { String(cString: $0) }
    }

    /// `file` relative to the working directory, as the index names it.
    public func indexPath(of file: String) -> String? {
        guard let workingDirectory else { return nil }
        let root = URL(fileURLWithPath: workingDirectory).resolvingSymlinksInPath().path
        let absolute = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
        guard absolute.hasPrefix(root + "/") else { return nil }
        return String(absolute.dropFirst(root.count + 1))
    }

    /// The conflict entries of `path` in the index, or nil when the path is not conflicted.
    public func indexConflict(path: String) throws -> IndexConflict? {
        var index: OpaquePointer?
        try LibGit2.check("reading the index") { git_repository_index(&index, pointer) }
        defer { git_index_free(index) }
        var ancestor: UnsafePointer<git_index_entry>?
        var ours: UnsafePointer<git_index_entry>?
        var theirs: UnsafePointer<git_index_entry>?
        let code = git_index_conflict_get(&ancestor, &ours, &theirs, index, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        if code < 0 { throw GitError.last("reading the conflict of \(path)", code: code) }
        return IndexConflict(base: try ancestor.map { try blob($0.pointee.id) },
                             ours: try ours.map { try blob($0.pointee.id) },
                             theirs: try theirs.map { try blob($0.pointee.id) })
    }

    /// The content of the blob `id`.
    public func blob(_ id: git_oid) throws -> [UInt8] {
        var id = id
        var blob: OpaquePointer?
        try LibGit2.check("reading blob") { git_blob_lookup(&blob, pointer, &id) }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: content, count: size))
    }
}
