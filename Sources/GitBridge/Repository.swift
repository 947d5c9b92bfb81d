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

extension Repository {
    /// The `.git` folder (libgit2's repository path), with a trailing slash.
    public var gitDirectory: String { String(cString: git_repository_path(pointer)) }

    /// A configuration value as git resolves it (system, global, repository), or nil when unset.
    public func configString(_ key: String) -> String? {
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, pointer) == 0 else { return nil }
        defer { git_config_free(config) }
        return Self.string(key, in: config)
    }

    /// A configuration value from the user's global and system files, outside any repository.
    public static func globalConfigString(_ key: String) -> String? {
        LibGit2.ensureInitialized()
        var config: OpaquePointer?
        guard git_config_open_default(&config) == 0 else { return nil }
        defer { git_config_free(config) }
        var snapshot: OpaquePointer?
        guard git_config_snapshot(&snapshot, config) == 0 else { return nil }
        defer { git_config_free(snapshot) }
        return string(key, in: snapshot)
    }

    private static func string(_ key: String, in config: OpaquePointer?) -> String? {
        var value: UnsafePointer<CChar>?
        guard git_config_get_string(&value, config, key) == 0, let value else { return nil }
        return String(cString: value)
    }

    /// The value of attribute `name` for `path`: "set", "unset", nil when unspecified, or its string value.
    public func attribute(_ name: String, path: String) -> String? {
        var value: UnsafePointer<CChar>?
        guard git_attr_get(&value, pointer, 0, path, name) == 0 else { return nil }
        switch git_attr_value(value) {
        case GIT_ATTR_VALUE_TRUE: return "set"
        case GIT_ATTR_VALUE_FALSE: return "unset"
        case GIT_ATTR_VALUE_STRING: return value.map { String(cString: $0) }
        default: return nil
        }
    }

    /// The commit `revision` names (a branch, a hash, `HEAD`...), or nil.
    public func commitID(_ revision: String) -> git_oid? {
        var object: OpaquePointer?
        guard git_revparse_single(&object, pointer, revision + "^{commit}") == 0 else { return nil }
        defer { git_object_free(object) }
        return git_object_id(object).pointee
    }

    /// The merge bases of two commits (several for criss-cross histories).
    public func mergeBases(_ first: git_oid, _ second: git_oid) -> [git_oid] {
        var first = first, second = second
        var array = git_oidarray()
        guard git_merge_bases(&array, pointer, &first, &second) == 0 else { return [] }
        defer { git_oidarray_dispose(&array) }
        return (0..<array.count).map { array.ids[$0] }
    }

    /// The abbreviated hash git prints for `id` in marker labels: `core.abbrev` when it is a number, else
    /// git's automatic length (half the bits of the packed-object count, rounded up to hex digits, at
    /// least 7), lengthened until no other object shares the prefix.
    public func shortID(_ id: git_oid) -> String {
        let full = Self.hex(id)
        let minimum: Int
        switch configString("core.abbrev")?.lowercased() {
        case "no", "false", "off": return full
        case .some(let value) where Int(value) != nil: minimum = min(max(Int(value)!, 4), 40)
        default: minimum = automaticAbbreviationLength
        }
        var id = id
        var object: OpaquePointer?
        guard git_object_lookup(&object, pointer, &id, GIT_OBJECT_ANY) == 0 else { return String(full.prefix(minimum)) }
        defer { git_object_free(object) }
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        // libgit2 lengthens from core.abbrev (7 when unset) until the prefix is unique: never shorter than git's.
        guard git_object_short_id(&buffer, object) == 0, let text = buffer.ptr else { return String(full.prefix(minimum)) }
        return String(full.prefix(max(minimum, strlen(text))))
    }

    /// git's `DEFAULT_ABBREV` length for this repository (`find_unique_abbrev` with `len < 0`).
    var automaticAbbreviationLength: Int {
        var count = 0
        let packs = URL(fileURLWithPath: String(cString: git_repository_commondir(pointer))).appendingPathComponent("objects/pack")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: packs.path)) ?? [] where name.hasSuffix(".idx") {
            count += Self.objectCount(packIndex: packs.appendingPathComponent(name))
        }
        var highestBit = 0
        var rest = count >> 1
        while rest > 0 {
            highestBit += 1
            rest >>= 1
        }
        return max(7, (highestBit + 2) / 2)
    }

    /// The number of objects a pack index lists: the last entry of its fan-out table (version 1 or 2).
    static func objectCount(packIndex: URL) -> Int {
        guard let handle = try? FileHandle(forReadingFrom: packIndex) else { return 0 }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 8 + 256 * 4), header.count >= 256 * 4 else { return 0 }
        let bytes = [UInt8](header)
        let fanOutStart = bytes.starts(with: [0xFF, 0x74, 0x4F, 0x63]) ? 8 : 0
        let last = fanOutStart + 255 * 4
        guard bytes.count >= last + 4 else { return 0 }
        return bytes[last..<(last + 4)].reduce(0) { $0 << 8 | Int($1) }
    }

    /// The first line of a commit's message.
    public func summary(_ id: git_oid) -> String? {
        var id = id
        var commit: OpaquePointer?
        guard git_commit_lookup(&commit, pointer, &id) == 0 else { return nil }
        defer { git_commit_free(commit) }
        return git_commit_summary(commit).map { String(cString: $0) }
    }

    public static func hex(_ id: git_oid) -> String {
        var id = id
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, &id)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func oid(hex: String) -> git_oid? {
        var id = git_oid()
        return git_oid_fromstr(&id, hex) == 0 ? id : nil
    }
}

extension Repository {
    /// Where `content` sits in `commit`'s tree: `path` when the tree has that path (or the content is empty,
    /// as the base of files both sides added), else the first path (in tree order) holding exactly this
    /// blob, else nil. merge-ort hands a driver the contents of renamed files under their new path; this
    /// finds the path each side had.
    public func path(of content: [UInt8], in commit: git_oid, preferring path: String) -> String? {
        var blobID = git_oid()
        let hashed = content.withUnsafeBytes { git_odb_hash(&blobID, $0.baseAddress, $0.count, GIT_OBJECT_BLOB) }
        guard hashed == 0 else { return nil }
        var commitID = commit
        var commitObject: OpaquePointer?
        guard git_commit_lookup(&commitObject, pointer, &commitID) == 0 else { return nil }
        defer { git_commit_free(commitObject) }
        var tree: OpaquePointer?
        guard git_commit_tree(&tree, commitObject) == 0 else { return nil }
        defer { git_tree_free(tree) }
        var entry: OpaquePointer?
        if git_tree_entry_bypath(&entry, tree, path) == 0 {
            git_tree_entry_free(entry)
            return path
        }
        if content.isEmpty { return path }
        final class Search {
            var target: git_oid
            var found: String?
            init(_ target: git_oid) { self.target = target }
        }
        let search = Search(blobID)
        let payload = Unmanaged.passUnretained(search).toOpaque()
        _ = git_tree_walk(tree, GIT_TREEWALK_PRE, { root, entry, payload in
            let search = Unmanaged<Search>.fromOpaque(payload!).takeUnretainedValue()
            guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB, git_oid_equal(git_tree_entry_id(entry), &search.target) != 0 else { return 0 }
            search.found = String(cString: root!) + String(cString: git_tree_entry_name(entry))
            return -1
        }, payload)
        return search.found
    }
}

extension Repository {
    /// The paths the index holds as conflicted (stages 1-3), in index order, once each.
    public func unmergedPaths() throws -> [String] {
        var index: OpaquePointer?
        try LibGit2.check("reading the index") { git_repository_index(&index, pointer) }
        defer { git_index_free(index) }
        var iterator: OpaquePointer?
        try LibGit2.check("listing conflicts") { git_index_conflict_iterator_new(&iterator, index) }
        defer { git_index_conflict_iterator_free(iterator) }
        var paths: [String] = []
        var ancestor: UnsafePointer<git_index_entry>?, ours: UnsafePointer<git_index_entry>?, theirs: UnsafePointer<git_index_entry>?
        while git_index_conflict_next(&ancestor, &ours, &theirs, iterator) == 0 {
            if let entry = ours ?? theirs ?? ancestor, let path = entry.pointee.path { paths.append(String(cString: path)) }
        }
        return paths
    }
}
