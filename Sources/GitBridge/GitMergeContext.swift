import CLibGit2
import Foundation
import MergeCore

/// What a merge driver can learn about the merge git is running: marker style, labels, and whether
/// resolution is allowed for the path. Never fails: anything it cannot read falls back to git's defaults.
public struct GitMergeContext: Sendable {
    public var style: ConflictStyle
    public var markers: ConflictMarkers
    /// Why resolution is off for this path (an attribute or config switch), or nil when it is on.
    public var disabledReason: String?

    /// Reads the context for `path` (`%P`) from the repository around `directory` and git's environment.
    public static func discover(path: String?, markerSize: Int, directory: String = FileManager.default.currentDirectoryPath,
                                environment: [String: String] = ProcessInfo.processInfo.environment) -> GitMergeContext {
        let repository = try? Repository(discoveringFrom: directory)
        var context = GitMergeContext(style: .merge, markers: ConflictMarkers(oursLabel: "ours", baseLabel: "base",
                                                                               theirsLabel: "theirs", size: markerSize),
                                      disabledReason: nil)
        let styleName = commandLineConfig("merge.conflictstyle", environment: environment)
            ?? repository?.configString("merge.conflictStyle") ?? Repository.globalConfigString("merge.conflictStyle")
        if let styleName, let style = ConflictStyle(rawValue: styleName) { context.style = style }

        let enabled = commandLineConfig("mergebert.enabled", environment: environment) ?? repository?.configString("mergebert.enabled")
        if let enabled, ["false", "no", "off", "0"].contains(enabled.lowercased()) {
            context.disabledReason = "mergebert.enabled is false in git config"
        }
        if let repository, let path {
            let attribute = repository.attribute("mergebert", path: path)
            if attribute == "unset" || attribute == "false" {
                context.disabledReason = "the 'mergebert' attribute is unset for \(path)"
            }
            if let labels = labels(repository: repository, environment: environment) {
                context.markers.oursLabel = labels.ours
                context.markers.baseLabel = labels.base
                context.markers.theirsLabel = labels.theirs
            }
        }
        return context
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
    /// `GITHEAD_<id>`; a rebase records the commit it is picking in `rebase-merge/done`. git 2.39 does not
    /// pass `%S %X %Y` to drivers, so a cherry-pick is recognised from the parent process's command line.
    static func labels(repository: Repository, environment: [String: String]) -> (ours: String, base: String, theirs: String)? {
        if let (key, branch) = environment.first(where: { $0.key.hasPrefix("GITHEAD_") }),
           let theirs = Repository.oid(hex: String(key.dropFirst("GITHEAD_".count))),
           let head = repository.commitID("HEAD") {
            let bases = repository.mergeBases(head, theirs)
            let base = bases.count == 1 ? repository.shortID(bases[0]) : "merged common ancestors"
            return ("HEAD", base, branch)
        }
        var picked: git_oid?
        let done = repository.gitDirectory + "rebase-merge/done"
        if let text = try? String(contentsOfFile: done, encoding: .utf8),
           let last = text.split(separator: "\n").last?.split(separator: " "), last.count >= 2 {
            picked = Repository.oid(hex: String(last[1])) ?? repository.commitID(String(last[1]))
        } else if let revision = cherryPickRevision() {
            picked = repository.commitID(revision)
        }
        if let picked {
            let name = "\(repository.shortID(picked)) (\(repository.summary(picked) ?? ""))"
            return ("HEAD", "parent of \(name)", name)
        }
        return nil
    }

    /// The revision argument of a `git cherry-pick REV` ancestor process, when there is exactly one.
    /// git runs drivers through `sh -c`, so the git process is the parent or the grandparent.
    static func cherryPickRevision() -> String? {
        var process = getppid()
        for _ in 0..<3 where process > 1 {
            if let data = FileManager.default.contents(atPath: "/proc/\(process)/cmdline") {
                let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                if let command = arguments.firstIndex(of: "cherry-pick") {
                    let revisions = arguments[(command + 1)...].filter { !$0.hasPrefix("-") }
                    return revisions.count == 1 ? revisions.first : nil
                }
            }
            guard let parent = parentProcess(of: process) else { return nil }
            process = parent
        }
        return nil
    }

    /// The parent of `process`, from /proc (the fourth field of `stat`, after the parenthesised name).
    static func parentProcess(of process: pid_t) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(process)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }
}
