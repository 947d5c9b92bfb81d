import CLibGit2
import Foundation

/// One conflicted file of a replayed merge: the three sides git's merge saw and what the developer committed.
public struct ConflictedFileVersions: Sendable {
    /// The path in ours (and in the merge commit).
    public let path: String
    public let base: [UInt8]
    public let ours: [UInt8]
    public let theirs: [UInt8]
    /// The file in the merge commit: the developer's resolution.
    public let resolved: [UInt8]
}

/// A two-parent merge commit, merged again in memory.
public struct ReplayedMerge: Sendable {
    public let commit: String
    public let subject: String
    public let time: Date
    public let files: [ConflictedFileVersions]
    /// Whether the in-memory merge had any conflict (also ones skipped below).
    public let hadConflicts: Bool
}

/// Which merges to replay.
public struct HistorySelection: Sendable {
    /// A revision or range (`main`, `v1.0..main`); nil walks everything reachable from `references`.
    public var revision: String?
    public var maximumMerges: Int?
    public var since: Date?
    /// Reference globs walked without a revision. Branches and tags by default; `refs` is every ref, the
    /// pull-request branches a fetched mirror keeps as `refs/pull/*` included (most resolved conflicts are there).
    public var references: [String]

    public static let branchesAndTags = ["refs/heads", "refs/tags"]
    public static let everyReference = ["refs/*"]

    /// One part of a split of the merges over several runs (machines, batch jobs); nil takes them all.
    public var shard: Shard?

    public init(revision: String? = nil, maximumMerges: Int? = nil, since: Date? = nil, references: [String] = HistorySelection.branchesAndTags,
                shard: Shard? = nil) {
        self.revision = revision
        self.maximumMerges = maximumMerges
        self.since = since
        self.references = references
        self.shard = shard
    }
}

/// Part `index` (1-based) of `count`: a split that depends only on what is split (a merge's commit id, a
/// repository's name), so that every machine computes the same parts and together they hold everything once.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// Reads `I/N` with 1 <= I <= N; nil otherwise.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (1...count).contains(index) else { return nil }
        (self.index, self.count) = (index, count)
    }

    public var description: String { "\(index)/\(count)" }

    /// Whether the item with this stable digest belongs to the part.
    public func holds(digest: UInt64) -> Bool { Int(digest % UInt64(count)) == index - 1 }

    /// Whether the item named `name` belongs to the part (a repository of a list).
    public func holds(name: String) -> Bool {
        // FNV-1a: stable across runs and machines, unlike Swift's seeded hashValue.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return holds(digest: hash)
    }
}

/// A merge commit selected for replay.
public struct MergeCommitID: Sendable, Hashable {
    let bytes: [UInt8]
    /// The commit id in hex.
    public var hex: String { Repository.hex(oid) }

    init(_ oid: git_oid) {
        bytes = withUnsafeBytes(of: oid.id) { Array($0) }
    }

    var oid: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { $0.copyBytes(from: bytes) }
        return oid
    }

    /// The first eight bytes of the id: uniformly spread, so a fair key for shards.
    var digest: UInt64 { bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) } }
}

/// Why a conflicted file of a replayed merge was not used; counted, never fatal.
public enum ReplaySkip: String, Sendable, CaseIterable, Codable {
    case deletedOnOneSide = "deleted_on_one_side"
    case addedOnBothSides = "added_on_both_sides"
    case submodule
    case symbolicLink = "symbolic_link"
    case binary
    case missingInMergeCommit = "missing_in_merge_commit"
    case renamed
    case octopusMerge = "octopus_merge"
    case mergeFailed = "merge_failed"
}

/// Replays the merge commits of a repository in process with libgit2: no git subprocess per merge.
public final class MergeHistory {
    public let repository: Repository
    /// Skipped files and merges by reason.
    public private(set) var skipped: [ReplaySkip: Int] = [:]
    /// Two-parent merges visited, conflicted or not.
    public private(set) var mergesReplayed = 0

    /// In-memory object store that takes the blobs libgit2's merge writes, so replaying never writes
    /// to the repository and never pays for loose-object files; emptied after every merge.
    private var scratchObjects: UnsafeMutablePointer<git_odb_backend>?

    public init(repository: Repository) {
        self.repository = repository
        // Replaying reads the same large trees over and over: let libgit2 keep them decoded.
        _ = mergebert_set_object_cache(1 << 20, 1 << 30)
        var database: OpaquePointer?
        var backend: UnsafeMutablePointer<git_odb_backend>?
        if git_repository_odb(&database, repository.pointer) == 0, git_mempack_new(&backend) == 0 {
            if git_odb_add_backend(database, backend, 1000) == 0 { scratchObjects = backend }
        }
        git_odb_free(database)
    }

    /// Merge commits in the selection, oldest first: its shard, and at most its maximum.
    public func mergeCommits(_ selection: HistorySelection) throws -> [MergeCommitID] {
        var walk: OpaquePointer?
        try LibGit2.check("starting the history walk") { git_revwalk_new(&walk, repository.pointer) }
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue | GIT_SORT_REVERSE.rawValue)
        if let revision = selection.revision {
            if revision.contains("..") {
                try LibGit2.check("walking \(revision)") { git_revwalk_push_range(walk, revision) }
            } else {
                guard var id = repository.commitID(revision) else {
                    throw GitError(operation: "resolving \(revision)", code: -3, message: "no commit named \(revision)")
                }
                try LibGit2.check("walking \(revision)") { git_revwalk_push(walk, &id) }
            }
        } else {
            for glob in selection.references { _ = git_revwalk_push_glob(walk, glob) }
            // A detached HEAD counts as a branch; refs named by the user are walked alone.
            if selection.references == HistorySelection.branchesAndTags { _ = git_revwalk_push_head(walk) }
        }
        let since = selection.since.map { Int64($0.timeIntervalSince1970) }
        var ids: [MergeCommitID] = []
        var id = git_oid()
        while git_revwalk_next(&id, walk) == 0 {
            var commit: OpaquePointer?
            guard git_commit_lookup(&commit, repository.pointer, &id) == 0 else { continue }
            let parents = git_commit_parentcount(commit)
            let time = git_commit_time(commit)
            git_commit_free(commit)
            if parents < 2 { continue }
            if let since, time < since { continue }
            if parents > 2 {
                skipped[.octopusMerge, default: 0] += 1
                continue
            }
            let merge = MergeCommitID(id)
            if let shard = selection.shard, !shard.holds(digest: merge.digest) { continue }
            ids.append(merge)
            if let maximum = selection.maximumMerges, ids.count >= maximum { break }
        }
        return ids
    }

    /// Merges the two parents of `merge` again and collects its text conflicts; nil when its parents cannot be read.
    public func replay(_ merge: MergeCommitID) throws -> ReplayedMerge? {
        var id = merge.oid
        var commit: OpaquePointer?
        try LibGit2.check("reading commit") { git_commit_lookup(&commit, repository.pointer, &id) }
        defer { git_commit_free(commit) }
        var ours: OpaquePointer?, theirs: OpaquePointer?
        guard git_commit_parent(&ours, commit, 0) == 0, git_commit_parent(&theirs, commit, 1) == 0 else {
            git_commit_free(ours)
            skipped[.mergeFailed, default: 0] += 1
            return nil
        }
        defer { git_commit_free(ours); git_commit_free(theirs) }
        mergesReplayed += 1
        let summary = git_commit_summary(commit).map { String(cString: $0) } ?? ""
        let time = Date(timeIntervalSince1970: TimeInterval(git_commit_time(commit)))
        let (bases, changes) = self.bases(ours: ours, theirs: theirs)
        if let changes, bases.count == 1 {
            let found = try conflictedFiles(ours: changes.ours, theirs: changes.theirs, oursCommit: ours, theirsCommit: theirs,
                                            base: bases[0], mergeCommit: commit)
            return ReplayedMerge(commit: Repository.hex(id), subject: summary, time: time, files: found.files, hadConflicts: found.hadConflicts)
        }
        if let changes, Set(changes.ours.keys).isDisjoint(with: changes.theirs.keys) {
            return ReplayedMerge(commit: Repository.hex(id), subject: summary, time: time, files: [], hadConflicts: false)
        }

        var options = git_merge_options()
        git_merge_options_init(&options, UInt32(GIT_MERGE_OPTIONS_VERSION))
        var index: OpaquePointer?
        defer { if let scratchObjects { git_mempack_reset(scratchObjects) } }
        guard self.merge(ours: ours, theirs: theirs, bases: bases, options: &options, into: &index) == 0 else {
            skipped[.mergeFailed, default: 0] += 1
            return nil
        }
        defer { git_index_free(index) }
        let hadConflicts = git_index_has_conflicts(index) != 0
        var files: [ConflictedFileVersions] = []
        if hadConflicts {
            var tree: OpaquePointer?
            try LibGit2.check("reading the merge commit's tree") { git_commit_tree(&tree, commit) }
            defer { git_tree_free(tree) }
            var iterator: OpaquePointer?
            try LibGit2.check("listing conflicts") { git_index_conflict_iterator_new(&iterator, index) }
            defer { git_index_conflict_iterator_free(iterator) }
            var base: UnsafePointer<git_index_entry>?, oursEntry: UnsafePointer<git_index_entry>?
            var theirsEntry: UnsafePointer<git_index_entry>?
            var entries: [(UnsafePointer<git_index_entry>?, UnsafePointer<git_index_entry>?, UnsafePointer<git_index_entry>?)] = []
            while git_index_conflict_next(&base, &oursEntry, &theirsEntry, iterator) == 0 { entries.append((base, oursEntry, theirsEntry)) }
            // libgit2 files a rename conflict under both names: the old path without the renaming side, the new
            // path with that side alone. Such halves are counted once, as a rename, not as deletions.
            let renameHalves = entries.filter { $0.0 == nil && ($0.1 == nil) != ($0.2 == nil) }.count
            if renameHalves > 0 { skipped[.renamed, default: 0] += renameHalves }
            for (base, oursEntry, theirsEntry) in entries {
                if base == nil && (oursEntry == nil) != (theirsEntry == nil) { continue }
                if renameHalves > 0 && base != nil && (oursEntry == nil || theirsEntry == nil) { continue }
                if let file = conflictedFile(base: base, ours: oursEntry, theirs: theirsEntry, mergeTree: tree) { files.append(file) }
            }
        }
        return ReplayedMerge(commit: Repository.hex(id), subject: summary, time: time, files: files, hadConflicts: hadConflicts)
    }

    /// The merge bases of two commits, and what each side changed since the (first) base, by path; nil
    /// changes when a diff failed (the full in-memory merge then decides).
    private func bases(ours: OpaquePointer?, theirs: OpaquePointer?) -> (bases: [git_oid], changes: (ours: [String: PathChange], theirs: [String: PathChange])?) {
        let bases = repository.mergeBases(git_commit_id(ours).pointee, git_commit_id(theirs).pointee)
        guard var base = bases.first else { return ([], nil) }
        var baseCommit: OpaquePointer?
        guard git_commit_lookup(&baseCommit, repository.pointer, &base) == 0 else { return (bases, nil) }
        defer { git_commit_free(baseCommit) }
        guard let oursChanges = changes(from: baseCommit, to: ours), let theirsChanges = changes(from: baseCommit, to: theirs) else {
            return (bases, nil)
        }
        return (bases, (oursChanges, theirsChanges))
    }

    /// One path's change between two trees (no rename detection: a rename is a deletion and an addition).
    struct PathChange {
        var status: git_delta_t
        var oldID: git_oid
        var newID: git_oid
        var oldMode: UInt32
        var newMode: UInt32
    }

    /// What changed between two commits' trees, by path; nil when the diff fails. Tree diffs skip unchanged
    /// subtrees, so this costs far less than a full in-memory merge, which walks every file of both trees.
    private func changes(from old: OpaquePointer?, to new: OpaquePointer?) -> [String: PathChange]? {
        var oldTree: OpaquePointer?, newTree: OpaquePointer?
        guard git_commit_tree(&oldTree, old) == 0 else { return nil }
        defer { git_tree_free(oldTree) }
        guard git_commit_tree(&newTree, new) == 0 else { return nil }
        defer { git_tree_free(newTree) }
        var diff: OpaquePointer?
        guard git_diff_tree_to_tree(&diff, repository.pointer, oldTree, newTree, nil) == 0 else { return nil }
        defer { git_diff_free(diff) }
        var changes: [String: PathChange] = [:]
        for index in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, index)?.pointee, let path = delta.new_file.path ?? delta.old_file.path else { continue }
            changes[String(cString: path)] = PathChange(status: delta.status, oldID: delta.old_file.id, newID: delta.new_file.id,
                                                        oldMode: UInt32(delta.old_file.mode), newMode: UInt32(delta.new_file.mode))
        }
        return changes
    }

    /// The conflicted text files of a merge with one base, found from the two sides' changes alone: a path
    /// both sides changed differently conflicts when it was deleted or added on a side, is not a plain file,
    /// or its content does not merge (libgit2's `git_merge_file`, the merge `git_merge_trees` runs). The same
    /// files and skips as the full in-memory merge, without building an index of every path of both trees.
    private func conflictedFiles(ours oursChanges: [String: PathChange], theirs theirsChanges: [String: PathChange],
                                 oursCommit: OpaquePointer?, theirsCommit: OpaquePointer?, base: git_oid,
                                 mergeCommit: OpaquePointer?) throws -> (files: [ConflictedFileVersions], hadConflicts: Bool) {
        var files: [ConflictedFileVersions] = []
        var hadConflicts = false
        var tree: OpaquePointer?
        try LibGit2.check("reading the merge commit's tree") { git_commit_tree(&tree, mergeCommit) }
        defer { git_tree_free(tree) }
        let both = oursChanges.keys.filter { theirsChanges[$0] != nil }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        // Each side's renames, found once per merge and only when a path it deleted was changed by the other.
        var oursRenames: [String: git_oid]?, theirsRenames: [String: git_oid]?
        for path in both {
            let ours = oursChanges[path]!, theirs = theirsChanges[path]!
            var oursID = ours.newID, theirsID = theirs.newID
            if git_oid_equal(&oursID, &theirsID) != 0 && ours.newMode == theirs.newMode { continue }  // the same change on both sides
            if ours.status == GIT_DELTA_DELETED || theirs.status == GIT_DELTA_DELETED {
                if ours.status == theirs.status { continue }
                let kept = ours.status == GIT_DELTA_DELETED ? theirs : ours
                let renames: [String: git_oid]
                // The rename sources worth a look: paths this side deleted that the other side changed.
                func sources(deletedBy side: [String: PathChange], changedBy other: [String: PathChange]) -> [String] {
                    both.filter { side[$0]?.status == GIT_DELTA_DELETED && other[$0]?.status != GIT_DELTA_DELETED }
                }
                if ours.status == GIT_DELTA_DELETED {
                    renames = oursRenames ?? renamedPaths(from: base, in: oursCommit, sources: sources(deletedBy: oursChanges, changedBy: theirsChanges),
                                                          changes: oursChanges)
                    oursRenames = renames
                } else {
                    renames = theirsRenames ?? renamedPaths(from: base, in: theirsCommit, sources: sources(deletedBy: theirsChanges, changedBy: oursChanges),
                                                            changes: theirsChanges)
                    theirsRenames = renames
                }
                guard let renamedTo = renames[path] else {
                    hadConflicts = true
                    skipped[.deletedOnOneSide, default: 0] += 1
                    continue
                }
                // git follows the rename: the content merges into the new path, and conflicts only if it does not merge.
                if let baseBytes = try? repository.blob(kept.oldID), let keptBytes = try? repository.blob(kept.newID),
                   let movedBytes = try? repository.blob(renamedTo), (try? MergeFile.mergesCleanly(base: baseBytes, ours: keptBytes, theirs: movedBytes)) == true {
                    continue
                }
                hadConflicts = true
                skipped[.renamed, default: 0] += 1
                continue
            }
            if ours.status == GIT_DELTA_ADDED || theirs.status == GIT_DELTA_ADDED {
                hadConflicts = true
                skipped[.addedOnBothSides, default: 0] += 1
                continue
            }
            let modes = [ours.oldMode, ours.newMode, theirs.newMode]
            if modes.contains(GIT_FILEMODE_COMMIT.rawValue) || modes.contains(GIT_FILEMODE_LINK.rawValue) {
                hadConflicts = true
                skipped[modes.contains(GIT_FILEMODE_COMMIT.rawValue) ? .submodule : .symbolicLink, default: 0] += 1
                continue
            }
            if git_oid_equal(&oursID, &theirsID) != 0 { continue }  // only the modes differ: git merges those
            guard let baseBytes = try? repository.blob(ours.oldID), let oursBytes = try? repository.blob(ours.newID),
                  let theirsBytes = try? repository.blob(theirs.newID) else {
                hadConflicts = true
                skipped[.missingInMergeCommit, default: 0] += 1
                continue
            }
            if [baseBytes, oursBytes, theirsBytes].contains(where: { $0.contains(0) }) {
                hadConflicts = true
                skipped[.binary, default: 0] += 1
                continue
            }
            if (try? MergeFile.mergesCleanly(base: baseBytes, ours: oursBytes, theirs: theirsBytes)) ?? false { continue }
            hadConflicts = true
            var entry: OpaquePointer?
            guard git_tree_entry_bypath(&entry, tree, path) == 0 else {
                skipped[.missingInMergeCommit, default: 0] += 1
                continue
            }
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB, let resolved = try? repository.blob(git_tree_entry_id(entry).pointee) else {
                skipped[.missingInMergeCommit, default: 0] += 1
                continue
            }
            if resolved.contains(0) {
                skipped[.binary, default: 0] += 1
                continue
            }
            files.append(ConflictedFileVersions(path: path, base: baseBytes, ours: oursBytes, theirs: theirsBytes, resolved: resolved))
        }
        return (files, hadConflicts)
    }

    /// Which of `sources` `side` renamed since `base` (to one of the paths it added), with the blob each
    /// became. As `git_merge_trees` does, only the deleted paths the other side changed are examined. A blob
    /// moved unchanged is found by its id; similar content is searched with libgit2 only when sources times
    /// added paths stay under 20,000 (a restructuring that moved thousands of files took minutes per merge,
    /// and the paths are skipped either way: only whether the merge counts as conflicted can change).
    private func renamedPaths(from base: git_oid, in side: OpaquePointer?, sources: [String], changes: [String: PathChange]) -> [String: git_oid] {
        let targets = changes.filter { $0.value.status == GIT_DELTA_ADDED }
        guard !sources.isEmpty, !targets.isEmpty else { return [:] }
        if sources.count * targets.count > 20_000 {
            var added: [String: git_oid] = [:]
            for target in targets.values { added[Repository.hex(target.newID)] = target.newID }
            var renames: [String: git_oid] = [:]
            for source in sources {
                if let change = changes[source], let moved = added[Repository.hex(change.oldID)] { renames[source] = moved }
            }
            return renames
        }
        let targetPaths = Array(targets.keys)
        var base = base
        var baseCommit: OpaquePointer?, baseTree: OpaquePointer?, sideTree: OpaquePointer?, diff: OpaquePointer?
        defer { git_commit_free(baseCommit); git_tree_free(baseTree); git_tree_free(sideTree); git_diff_free(diff) }
        guard git_commit_lookup(&baseCommit, repository.pointer, &base) == 0, git_commit_tree(&baseTree, baseCommit) == 0,
              git_commit_tree(&sideTree, side) == 0 else { return [:] }
        var paths = (sources + targetPaths).map { strdup($0) }
        defer { paths.forEach { free($0) } }
        var diffOptions = git_diff_options()
        git_diff_options_init(&diffOptions, UInt32(GIT_DIFF_OPTIONS_VERSION))
        diffOptions.flags = GIT_DIFF_DISABLE_PATHSPEC_MATCH.rawValue
        let status = paths.withUnsafeMutableBufferPointer { buffer in
            diffOptions.pathspec = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            return git_diff_tree_to_tree(&diff, repository.pointer, baseTree, sideTree, &diffOptions)
        }
        guard status == 0 else { return [:] }
        var options = git_diff_find_options()
        git_diff_find_options_init(&options, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION))
        options.flags = GIT_DIFF_FIND_RENAMES.rawValue
        options.rename_limit = 1000
        guard git_diff_find_similar(diff, &options) == 0 else { return [:] }
        var renames: [String: git_oid] = [:]
        for index in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, index)?.pointee, delta.status == GIT_DELTA_RENAMED, let old = delta.old_file.path else { continue }
            renames[String(cString: old)] = delta.new_file.id
        }
        return renames
    }

    /// Merges like git: with one merge base, the three trees directly (the base is already known); with
    /// several (criss-cross), `git_merge_commits`, which merges the bases recursively first.
    private func merge(ours: OpaquePointer?, theirs: OpaquePointer?, bases: [git_oid], options: inout git_merge_options,
                       into index: inout OpaquePointer?) -> Int32 {
        guard bases.count == 1 else { return git_merge_commits(&index, repository.pointer, ours, theirs, &options) }
        var base = bases[0]
        var baseCommit: OpaquePointer?, baseTree: OpaquePointer?, oursTree: OpaquePointer?, theirsTree: OpaquePointer?
        defer { git_commit_free(baseCommit); git_tree_free(baseTree); git_tree_free(oursTree); git_tree_free(theirsTree) }
        guard git_commit_lookup(&baseCommit, repository.pointer, &base) == 0, git_commit_tree(&baseTree, baseCommit) == 0,
              git_commit_tree(&oursTree, ours) == 0, git_commit_tree(&theirsTree, theirs) == 0 else { return -1 }
        return git_merge_trees(&index, repository.pointer, baseTree, oursTree, theirsTree, &options)
    }

    private func conflictedFile(base: UnsafePointer<git_index_entry>?, ours: UnsafePointer<git_index_entry>?,
                                theirs: UnsafePointer<git_index_entry>?, mergeTree: OpaquePointer?) -> ConflictedFileVersions? {
        func skip(_ reason: ReplaySkip) -> ConflictedFileVersions? {
            skipped[reason, default: 0] += 1
            return nil
        }
        guard let ours, let theirs else { return skip(.deletedOnOneSide) }
        guard let base else { return skip(.addedOnBothSides) }
        let modes = [base.pointee.mode, ours.pointee.mode, theirs.pointee.mode]
        if modes.contains(GIT_FILEMODE_COMMIT.rawValue) { return skip(.submodule) }
        if modes.contains(GIT_FILEMODE_LINK.rawValue) { return skip(.symbolicLink) }
        let path = String(cString: ours.pointee.path)
        if String(cString: theirs.pointee.path) != path || String(cString: base.pointee.path) != path { return skip(.renamed) }

        var entry: OpaquePointer?
        guard git_tree_entry_bypath(&entry, mergeTree, path) == 0 else { return skip(.missingInMergeCommit) }
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB,
              let resolved = try? repository.blob(git_tree_entry_id(entry).pointee),
              let baseBytes = try? repository.blob(base.pointee.id),
              let oursBytes = try? repository.blob(ours.pointee.id),
              let theirsBytes = try? repository.blob(theirs.pointee.id) else { return skip(.missingInMergeCommit) }
        if [baseBytes, oursBytes, theirsBytes, resolved].contains(where: { $0.contains(0) }) { return skip(.binary) }
        return ConflictedFileVersions(path: path, base: baseBytes, ours: oursBytes, theirs: theirsBytes, resolved: resolved)
    }
}
