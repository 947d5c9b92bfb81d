import Foundation

/// A scratch git repository holding many (base, ours, theirs) file triples at once: one base commit, a
/// branch `ours` and a branch `theirs` that change every file, so one `git merge` or `git merge-tree`
/// merges them all.
public struct GeneratedMergeRepository {
    public let directory: URL
    public let home: URL
    public let paths: [String]
    public let triples: [(base: [UInt8], ours: [UInt8], theirs: [UInt8])]
    /// The merge base as git abbreviates it in marker labels.
    public let baseLabel: String

    public var environment: [String: String] { CommandRunner.environment(home: home) }

    /// Commits `triples` as files `f00000.txt`... (or with `extension`) and leaves `ours` checked out.
    public init(_ triples: [(base: [UInt8], ours: [UInt8], theirs: [UInt8])], extension fileExtension: String = "txt") throws {
        let home = try CommandRunner.temporaryDirectory("generated-home")
        let directory = home.appendingPathComponent("repository")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let paths = triples.indices.map { String(format: "f%05d.", $0) + fileExtension }
        let environment = CommandRunner.environment(home: home)
        func git(_ arguments: [String]) throws {
            let result = try CommandRunner.git(arguments, in: directory, environment: environment)
            guard result.status == 0 else { throw GeneratedRepositoryError.git(arguments.joined(separator: " "), result.standardError) }
        }
        func commit(_ side: KeyPath<(base: [UInt8], ours: [UInt8], theirs: [UInt8]), [UInt8]>, message: String) throws {
            for (path, triple) in zip(paths, triples) {
                try Data(triple[keyPath: side]).write(to: directory.appendingPathComponent(path))
            }
            try git(["add", "-A"])
            try git(["commit", "-q", "--allow-empty", "-m", message])
        }
        try git(["init", "-q", "-b", "ours"])
        try commit(\.base, message: "base")
        try git(["branch", "theirs"])
        try commit(\.ours, message: "ours")
        try git(["checkout", "-q", "theirs"])
        try commit(\.theirs, message: "theirs")
        try git(["checkout", "-q", "ours"])
        baseLabel = try CommandRunner.git(["rev-parse", "--short", "ours~1"], in: directory, environment: environment)
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        (self.home, self.directory, self.paths, self.triples) = (home, directory, paths, triples)
    }

    public func remove() { try? FileManager.default.removeItem(at: home) }

    /// `git merge-tree --write-tree ours theirs` with `config` (`-c` pairs): each file's merged bytes as
    /// git writes them (markers included), and the paths git reports as conflicted.
    public func mergeTree(config: [String] = []) throws -> (files: [String: [UInt8]], conflicted: Set<String>) {
        let arguments = config.flatMap { ["-c", $0] } + ["merge-tree", "--write-tree", "ours", "theirs"]
        let merge = try CommandRunner.git(arguments, in: directory, environment: environment)
        guard merge.status <= 1 else { throw GeneratedRepositoryError.git("merge-tree", merge.standardError) }
        let lines = merge.output.split(separator: "\n", omittingEmptySubsequences: false)
        var conflicted = Set<String>()
        for line in lines.dropFirst() {
            if line.isEmpty { break }
            if let tab = line.firstIndex(of: "\t") { conflicted.insert(String(line[line.index(after: tab)...])) }
        }
        return (try treeFiles(String(lines[0])), conflicted)
    }

    /// Every file of the work tree, as bytes.
    public func workTreeFiles() throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for path in paths { files[path] = [UInt8](try Data(contentsOf: directory.appendingPathComponent(path))) }
        return files
    }

    /// The blobs of a tree, by path.
    public func treeFiles(_ tree: String) throws -> [String: [UInt8]] {
        let listing = try CommandRunner.git(["ls-tree", "-r", "-z", tree], in: directory, environment: environment)
        var files: [String: [UInt8]] = [:]
        var objects: [(path: String, id: String)] = []
        for entry in listing.standardOutput.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let tab = text.firstIndex(of: "\t") else { continue }
            let fields = text[..<tab].split(separator: " ")
            objects.append((String(text[text.index(after: tab)...]), String(fields[2])))
        }
        let batch = try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/git"), ["cat-file", "--batch"], in: directory,
                                          environment: environment, input: Array(objects.map { $0.id + "\n" }.joined().utf8))
        var cursor = batch.standardOutput.startIndex
        let bytes = batch.standardOutput
        for object in objects {
            guard let newline = bytes[cursor...].firstIndex(of: UInt8(ascii: "\n")) else { break }
            let header = String(decoding: bytes[cursor..<newline], as: UTF8.self).split(separator: " ")
            let size = Int(header[2]) ?? 0
            files[object.path] = Array(bytes[(newline + 1)..<(newline + 1 + size)])
            cursor = newline + 1 + size + 1
        }
        return files
    }
}

/// A git command that failed while generating a repository.
public enum GeneratedRepositoryError: Error, CustomStringConvertible {
    case git(String, String)

    public var description: String {
        switch self {
        case .git(let command, let message): "git \(command) failed: \(message)"
        }
    }
}
