import CLibGit2
import DriverCore
import Foundation
import MergeCore

/// What a merge driver can learn about the merge git is running: which line merge git would apply,
/// marker style and labels, and whether resolution is allowed for the path. Never fails: anything it cannot
/// read falls back to git's defaults.
public struct GitMergeContext: Sendable {
    public var style: ConflictStyle
    public var markers: ConflictMarkers
    /// The line merge git's own merge would have applied: merge-ort's, or the recursive strategy's.
    public var flavor: LineMergeFlavor
    /// Why resolution is off for this path (an attribute or config switch), or nil when it is on.
    public var disabledReason: String?
    /// mergebert's own keys of git config (threshold, mode, enabled).
    public var settings = GitSettings()
    /// The git operation this merge belongs to (`merge`, `rebase`, `cherry-pick`...), and a key shared by
    /// every driver run of that one operation, so that `review` can show "the last operation".
    public var operationKind = "merge"
    public var operationKey = ""

    /// Labels git passed itself (`%S %X %Y`); defined with the driver's command line in DriverCore.
    public typealias PassedLabels = DriverCore.PassedLabels

    /// Reads the context for `path` (`%P`) from the repository around `directory` and git's environment.
    public static func discover(path: String?, markerSize: Int, passedLabels: PassedLabels = PassedLabels(),
                                contents: (base: [UInt8], ours: [UInt8], theirs: [UInt8])? = nil,
                                directory: String = FileManager.default.currentDirectoryPath,
                                environment: [String: String] = ProcessInfo.processInfo.environment,
                                operation: GitOperation? = nil) -> GitMergeContext {
        let repository = try? Repository(discoveringFrom: directory)
        var context = GitMergeContext(style: .merge, markers: ConflictMarkers(oursLabel: "ours", baseLabel: "base",
                                                                               theirsLabel: "theirs", size: markerSize),
                                      flavor: .gitMerge, disabledReason: nil)
        func config(_ key: String) -> String? {
            commandLineConfig(key, environment: environment) ?? repository?.configString(key) ?? Repository.globalConfigString(key)
        }
        if let styleName = config("merge.conflictStyle"), let style = ConflictStyle(rawValue: styleName) { context.style = style }

        context.settings = GitSettings(config: config)
        let operation = operation ?? GitOperation.fromProcessAncestry()
        context.flavor = operation.flavor
        if let repository { (context.operationKind, context.operationKey) = identify(operation, repository: repository, environment: environment) }
        if let repository, let path {
            let attribute = repository.attribute("mergebert", path: path)
            if attribute == "unset" || attribute == "false" {
                context.disabledReason = "the 'mergebert' attribute is unset for \(path)"
            }
        }
        if let repository, let labels = labels(repository: repository, operation: operation, environment: environment) {
            context.markers.oursLabel = labels.ours
            context.markers.baseLabel = labels.base
            context.markers.theirsLabel = labels.theirs
            // merge-ort names each side's path in all three labels when a rename on one side made ours and
            // theirs differ (a rename both sides made alike moves the base to the new path: no names).
            if let path, let contents {
                let paths = [(labels.commits.base, contents.base), (labels.commits.ours, contents.ours),
                             (labels.commits.theirs, contents.theirs)].map { commit, content in
                    commit.flatMap { repository.path(of: content, in: $0, preferring: path) } ?? path
                }
                if paths[1] != paths[2] {
                    context.markers.baseLabel = "\(labels.base):\(paths[0])"
                    context.markers.oursLabel = "\(labels.ours):\(paths[1])"
                    context.markers.theirsLabel = "\(labels.theirs):\(paths[2])"
                }
            }
        }
        if let ours = passedLabels.ours { context.markers.oursLabel = ours }
        if let base = passedLabels.base { context.markers.baseLabel = base }
        if let theirs = passedLabels.theirs { context.markers.theirsLabel = theirs }
        return context
    }

    /// The operation's kind and a key that stays the same across its driver runs: a rebase by the branch
    /// it started from, a cherry-pick or revert series by the sequencer's start, a merge by both heads.
    static func identify(_ operation: GitOperation, repository: Repository, environment: [String: String]) -> (String, String) {
        let gitDirectory = repository.gitDirectory
        func read(_ name: String) -> String? {
            (try? String(contentsOfFile: gitDirectory + name, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let head = repository.commitID("HEAD").map(Repository.hex) ?? "none"
        if let theirs = environment.keys.first(where: { $0.hasPrefix("GITHEAD_") }) {
            return ("merge", "merge \(head) \(theirs.dropFirst("GITHEAD_".count))")
        }
        if let origin = read("rebase-merge/orig-head") { return ("rebase", "rebase \(origin) \(read("rebase-merge/onto") ?? "")") }
        let kind = operation.command.map { ["cherry-pick", "revert", "stash"].contains($0) ? $0 : "merge" } ?? "merge"
        if let start = read("sequencer/head") { return (kind, "\(kind) \(start)") }
        return (kind, "\(kind) \(head) \(operation.revisions.joined(separator: " "))")
    }

    /// A value from `git -c key=value` (git passes these to drivers in GIT_CONFIG_PARAMETERS; libgit2 ignores it).
    static func commandLineConfig(_ key: String, environment: [String: String]) -> String? {
        guard let parameters = environment["GIT_CONFIG_PARAMETERS"] else { return nil }
        var value: String?
        // Entries look like 'key'='value' or 'key=value', separated by spaces, single-quoted.
        let pattern = #/'([^']*)'(?:='([^']*)')?/#
        for match in parameters.matches(of: pattern) {
            var entryKey = String(match.1)
            var entryValue = match.2.map(String.init)
            if entryValue == nil, let equals = entryKey.firstIndex(of: "=") {
                entryValue = String(entryKey[entryKey.index(after: equals)...])
                entryKey = String(entryKey[..<equals])
            }
            if entryKey.lowercased() == key.lowercased() { value = entryValue }
        }
        return value
    }

    /// The labels git itself would print, where the environment tells: a merge names the other branch in
    /// `GITHEAD_<id>`; a rebase records the commit it is picking in `rebase-merge/done`, a cherry-pick or
    /// revert of several commits in `sequencer/todo`; a single cherry-pick or revert, and a stash, are
    /// recognised from git's command line (git 2.39 does not pass `%S %X %Y` to drivers).
    static func labels(repository: Repository, operation: GitOperation,
                       environment: [String: String]) -> Labels? {
        let head = repository.commitID("HEAD")
        if let (key, branch) = environment.first(where: { $0.key.hasPrefix("GITHEAD_") }),
           let theirs = Repository.oid(hex: String(key.dropFirst("GITHEAD_".count))), let head {
            let bases = repository.mergeBases(head, theirs)
            let base = bases.count == 1 ? repository.shortID(bases[0]) : "merged common ancestors"
            return Labels(ours: "HEAD", base: base, theirs: branch, commits: (bases.count == 1 ? bases[0] : nil, head, theirs))
        }
        if operation.command == "stash" {
            return Labels(ours: "Updated upstream", base: "Stash base", theirs: "Stashed changes", commits: (nil, nil, nil))
        }
        func named(_ id: git_oid) -> String { "\(repository.shortID(id)) (\(repository.summary(id) ?? ""))" }
        func revision(_ text: String) -> git_oid? { Repository.oid(hex: text) ?? repository.commitID(text) }
        let done = repository.gitDirectory + "rebase-merge/done"
        if let text = try? String(contentsOfFile: done, encoding: .utf8),
           let last = text.split(separator: "\n").last?.split(separator: " "), last.count >= 2,
           let picked = revision(String(last[1])) {
            return Labels(ours: "HEAD", base: "parent of \(named(picked))", theirs: named(picked),
                          commits: (repository.commitID(Repository.hex(picked) + "^"), head, picked))
        }
        var reverting = operation.command == "revert"
        var picked: git_oid?
        if let todo = try? String(contentsOfFile: repository.gitDirectory + "sequencer/todo", encoding: .utf8),
           let first = todo.split(separator: "\n").first?.split(separator: " "), first.count >= 2 {
            reverting = first[0] == "revert" || first[0] == "r"
            picked = revision(String(first[1]))
        } else if ["cherry-pick", "revert"].contains(operation.command) && operation.revisions.count == 1 {
            picked = revision(operation.revisions[0])
        }
        guard let picked else { return nil }
        let parent = repository.commitID(Repository.hex(picked) + "^")
        return reverting
            ? Labels(ours: "HEAD", base: named(picked), theirs: "parent of \(named(picked))", commits: (picked, head, parent))
            : Labels(ours: "HEAD", base: "parent of \(named(picked))", theirs: named(picked), commits: (parent, head, picked))
    }

    /// git's marker labels for an operation, and the commits whose trees hold each side (nil where unknown).
    struct Labels {
        var ours: String
        var base: String
        var theirs: String
        var commits: (base: git_oid?, ours: git_oid?, theirs: git_oid?)
    }
}

/// mergebert's keys of git config, as read (`git -c` first, then the repository's and the user's files).
public struct GitSettings: Sendable, Equatable {
    public var threshold: String?
    public var mode: String?
    public var enabled: String?

    public init(threshold: String? = nil, mode: String? = nil, enabled: String? = nil) {
        self.threshold = threshold
        self.mode = mode
        self.enabled = enabled
    }

    /// The settings as `config` reads a key.
    init(config: (String) -> String?) {
        self.init(threshold: config("mergebert.threshold"), mode: config("mergebert.mode"), enabled: config("mergebert.enabled"))
    }

    /// The settings for the repository around `directory`, or the user's outside any repository.
    public static func read(directory: String = FileManager.default.currentDirectoryPath,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> GitSettings {
        let repository = try? Repository(discoveringFrom: directory)
        return GitSettings { key in
            GitMergeContext.commandLineConfig(key, environment: environment) ?? repository?.configString(key)
                ?? Repository.globalConfigString(key)
        }
    }
}
