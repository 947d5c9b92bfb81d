import ArgumentParser
import Foundation
import GitBridge
import Resolver

/// Where `install` writes: which git config, and which attributes file.
enum InstallScope {
    /// Repository config and the committed `.gitattributes` (shared with the team).
    case repository
    /// Repository config and `.git/info/attributes` (this clone only).
    case local
    /// `~/.gitconfig` and the global attributes file (every repository of this user).
    case global
}

/// Registers and unregisters the driver: the two config keys, and a marked block of attribute lines that
/// `uninstall` removes exactly.
struct Installation {
    let scope: InstallScope
    let directory: URL

    static let blockBegin = "# mergebert: begin (written by `mergebert install`; `mergebert uninstall` removes it)"
    /// Marks a block that had to add a line ending to the file's last line, so uninstall removes that too.
    static let blockBeginAfterUnterminatedLine = "# mergebert: begin after a line without newline"
    static let blockEnd = "# mergebert: end"

    enum Failure: Error, CustomStringConvertible {
        case notInRepository(String)
        case git(String)

        var description: String {
            switch self {
            case .notInRepository(let path): "\(path) is not inside a git repository: run this in one, or use --global"
            case .git(let message): "git config failed: \(message)"
            }
        }
    }

    /// The driver command line git will run: an absolute path (never a PATH lookup or a path relative to
    /// where `install` ran), quoted for the shell git starts it with. `mergebert-driver` next to the running
    /// executable when it is there (clean files never load the full program), else `mergebert driver`.
    static var driverCommand: String {
        let executable = RunningExecutable.path
        let fastDriver = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("mergebert-driver").path
        if FileManager.default.isExecutableFile(atPath: fastDriver) {
            return "\(shellQuoted(fastDriver)) %O %A %B %L %P %S %X %Y"
        }
        return "\(shellQuoted(executable)) driver %O %A %B %L %P %S %X %Y"
    }

    /// `text` as one shell word: left bare when it is plainly safe, else single-quoted.
    static func shellQuoted(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@%")
        if !text.isEmpty && text.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    var configScopeFlag: String { scope == .global ? "--global" : "--local" }

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// `$HOME` as git uses it (not the password database's home, which tests and sandboxes override).
    static var home: URL {
        URL(fileURLWithPath: ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory())
    }

    func attributesFile() throws -> URL {
        switch scope {
        case .global:
            if let configured = try? git(["config", "--global", "core.attributesFile"]), !configured.isEmpty {
                return URL(fileURLWithPath: (configured as NSString).expandingTildeInPath)
            }
            let configHome = environment["XDG_CONFIG_HOME"].map { URL(fileURLWithPath: $0) }
                ?? Self.home.appendingPathComponent(".config")
            return configHome.appendingPathComponent("git/attributes")
        case .local, .repository:
            guard let repository = try? Repository(discoveringFrom: directory.path) else {
                throw Failure.notInRepository(directory.path)
            }
            if scope == .local { return URL(fileURLWithPath: repository.gitDirectory).appendingPathComponent("info/attributes") }
            guard let root = repository.workingDirectory else { throw Failure.notInRepository(directory.path) }
            return URL(fileURLWithPath: root).appendingPathComponent(".gitattributes")
        }
    }

    /// Writes the config keys and puts the attribute block first in the attributes file, so that every
    /// line after it that chooses a merge driver still wins. Lines of files with lower precedence than
    /// this one (which the block would override) are repeated after the block's own lines.
    func install(patterns: [String]) throws -> [String] {
        try git(["config", configScopeFlag, "merge.mergebert.name", "mergebert: token-level merge-conflict resolution"])
        try git(["config", configScopeFlag, "merge.mergebert.driver", Self.driverCommand])
        let file = try attributesFile()
        let rest = Self.removingBlock(from: (try? String(contentsOf: file, encoding: .utf8)) ?? "")
        let sameFile = MergeAttributeLine.lines(in: rest, file: file.path, directory: "").filter { $0.driver != "mergebert" }
        let kept = try lowerPrecedenceMergeLines().filter { $0.driver != "mergebert" }
        var block = Self.blockBegin + "\n" + patterns.map { "\($0) merge=mergebert\n" }.joined()
        block += kept.map { "\($0.rootPattern) \($0.setting == "binary" ? "-merge" : $0.setting)\n" }.joined()
        block += Self.blockEnd + "\n"
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try writeFileAtomically(Array((block + rest).utf8), to: file.path)
        var report = ["\(configScopeFlag.dropFirst(2)) git config: merge.mergebert.driver = \(Self.driverCommand)",
                      "\(file.path): \(patterns.map { "\($0) merge=mergebert" }.joined(separator: ", "))"]
        let leftAlone = sameFile + kept
        if !leftAlone.isEmpty {
            report.append("left alone (they choose their own merge): "
                          + leftAlone.map { "\($0.pattern) \($0.setting) (\($0.file):\($0.line))" }.joined(separator: ", "))
        }
        return report
    }

    /// The merge lines of attribute files that the installed block takes precedence over, lowest first:
    /// the global file for a repository install; the global file and every tracked `.gitattributes` for
    /// a `--local` install (`.git/info/attributes` beats them all). A global install overrides nothing.
    func lowerPrecedenceMergeLines() throws -> [MergeAttributeLine] {
        let files = try attributeFiles()
        let lower: [AttributeFile]
        switch scope {
        case .global: lower = []
        case .repository: lower = files.filter { $0.kind == .global }
        case .local: lower = files.filter { $0.kind != .info }
        }
        return lower.flatMap { file in
            (try? String(contentsOf: file.url, encoding: .utf8)).map {
                MergeAttributeLine.lines(in: Self.removingBlock(from: $0), file: file.url.path, directory: file.folder)
            } ?? []
        }
    }

    /// An attributes file git reads, and where it stands among them.
    struct AttributeFile {
        enum Kind { case global, tracked, info }
        let url: URL
        /// Its folder relative to the repository root ("" for the root and for files outside the tree).
        let folder: String
        let kind: Kind
    }

    /// Every attributes file git reads here, lowest precedence first: the global file, the tracked
    /// `.gitattributes` from the root down (deeper ones win), then `.git/info/attributes`.
    func attributeFiles() throws -> [AttributeFile] {
        var files = [AttributeFile(url: try Installation(scope: .global, directory: directory).attributesFile(), folder: "", kind: .global)]
        guard let repository = try? Repository(discoveringFrom: directory.path), let root = repository.workingDirectory else { return files }
        let tracked = (try? git(["-C", root, "ls-files", "--", ".gitattributes", "*/.gitattributes"]))?
            .split(separator: "\n").map(String.init) ?? []
        for path in Set(tracked + [".gitattributes"]).sorted(by: { ($0.split(separator: "/").count, $0) < ($1.split(separator: "/").count, $1) }) {
            files.append(AttributeFile(url: URL(fileURLWithPath: root).appendingPathComponent(path),
                                       folder: (path as NSString).deletingLastPathComponent, kind: .tracked))
        }
        files.append(AttributeFile(url: URL(fileURLWithPath: repository.gitDirectory).appendingPathComponent("info/attributes"), folder: "", kind: .info))
        return files
    }

    func uninstall() throws -> [String] {
        var done: [String] = []
        if (try? git(["config", configScopeFlag, "--get", "merge.mergebert.driver"])) != nil
            || (try? git(["config", configScopeFlag, "--get", "merge.mergebert.name"])) != nil {
            try git(["config", configScopeFlag, "--remove-section", "merge.mergebert"])
            done.append("removed merge.mergebert from the \(configScopeFlag.dropFirst(2)) git config")
            // git leaves an empty ~/.gitconfig behind when install created it; an empty file means no file.
            let global = Self.home.appendingPathComponent(".gitconfig")
            if scope == .global, let attributes = try? FileManager.default.attributesOfItem(atPath: global.path),
               (attributes[.size] as? Int) == 0 {
                try? FileManager.default.removeItem(at: global)
            }
        }
        let file = try attributesFile()
        if let text = try? String(contentsOf: file, encoding: .utf8) {
            let remaining = Self.removingBlock(from: text)
            if remaining != text {
                if remaining.isEmpty {
                    try FileManager.default.removeItem(at: file)
                } else {
                    try writeFileAtomically(Array(remaining.utf8), to: file.path)
                }
                done.append("removed the mergebert lines from \(file.path)")
            }
        }
        return done.isEmpty ? ["mergebert was not installed here"] : done
    }

    /// `text` without the block `install` wrote (and the line ending it had to add before it).
    static func removingBlock(from text: String) -> String {
        let lines = text.components(separatedBy: "\n")
        guard let begin = lines.firstIndex(where: { $0 == blockBegin || $0 == blockBeginAfterUnterminatedLine }),
              let end = lines[begin...].firstIndex(of: blockEnd) else { return text }
        let addedLineEnding = lines[begin] == blockBeginAfterUnterminatedLine
        let after = lines[(end + 1)...]
        var result = (lines[..<begin] + after).joined(separator: "\n")
        if addedLineEnding && begin > 0 && after.elementsEqual([""]) { result.removeLast() }
        return result
    }

    @discardableResult
    func git(_ arguments: [String], input: String? = nil) throws -> String {
        try Self.git(arguments, input: input, in: directory)
    }

    /// Runs git in `directory` with `input` on stdin; its output without the final newline, or its
    /// error message as a `Failure`.
    static func git(_ arguments: [String], input: String? = nil, in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = directory
        let output = Pipe(), error = Pipe(), inputPipe = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input.utf8))
            try inputPipe.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure.git(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
    }
}
