import ArgumentParser
import Foundation
import GitBridge
import MergeCore

/// `mergebert review`: what the driver wrote, and a way back.
struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what the merge driver resolved, undo it (git's markers back) or accept it.",
        discussion: """
            Without arguments: the resolutions of the last git operation (merge, rebase, cherry-pick...). \
            Name records by id (as listed), id:region, or path. --undo puts git's conflict markers back exactly \
            where those regions were, keeps edits made elsewhere in the file, and marks the file unmerged again \
            while the operation is in progress. --accept forgets the records.
            """)

    @Argument(help: "Record ids, id:region, or paths (default: the last operation).") var selection: [String] = []
    @Flag(help: "Every record kept, not only the last operation's.") var all = false
    @Flag(help: "Put git's conflict markers back for the selected regions.") var undo = false
    @Flag(help: "Forget the selected records (nothing in the work tree changes).") var accept = false

    func validate() throws {
        if undo && accept { throw ValidationError("choose one of --undo and --accept") }
    }

    /// What cannot be reviewed, and what to do.
    enum Failure: Error, CustomStringConvertible {
        case notInRepository
        case nothingSelected([String])
        case editedInside(path: String)
        case missing(path: String)

        var description: String {
            switch self {
            case .notInRepository: "not inside a git repository: run `mergebert review` in the repository that was merged"
            case .nothingSelected(let names): "no resolution record matches \(names.joined(separator: ", ")); `mergebert review --all` lists them"
            case .editedInside(let path):
                "\(path) was edited inside a resolved region since the merge; undo it by hand (`git checkout --conflict=merge \(path)` during the merge)"
            case .missing(let path): "\(path) is gone from the work tree; nothing to undo"
            }
        }
    }

    func run() throws {
        guard let repository = try? Repository(discoveringFrom: FileManager.default.currentDirectoryPath),
              let root = repository.workingDirectory else { throw Failure.notInRepository }
        let store = RecordStore(gitDirectory: repository.gitDirectory)
        let records = try store.all()
        let chosen = try select(records)
        if chosen.isEmpty {
            print(records.isEmpty ? "mergebert has resolved nothing here (no records in \(store.directory.path))" : "nothing selected")
            return
        }
        if accept {
            for (record, _) in chosen { store.remove(record) }
            print("forgot \(chosen.count) record\(chosen.count == 1 ? "" : "s"); the files stay as they are")
            return
        }
        if undo {
            for (record, positions) in chosen {
                try Undo(record: record, positions: positions, root: URL(fileURLWithPath: root), store: store).run()
            }
            return
        }
        let colour = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        for (record, positions) in chosen { print(ReviewText(record: record, positions: positions, colour: colour).text) }
    }

    /// The selected records, each with the region positions selected in it.
    func select(_ records: [ResolutionRecord]) throws -> [(ResolutionRecord, Set<Int>)] {
        func everything(_ record: ResolutionRecord) -> (ResolutionRecord, Set<Int>) { (record, Set(record.regions.map(\.position))) }
        if all { return records.map(everything) }
        if selection.isEmpty {
            guard let last = records.last else { return [] }
            return records.filter { $0.operationKey == last.operationKey }.map(everything)
        }
        var chosen: [(ResolutionRecord, Set<Int>)] = []
        var unmatched: [String] = []
        for name in selection {
            let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
            let matches = records.filter { $0.id.hasPrefix(parts[0]) && parts[0].count >= 4 }
            if !matches.isEmpty {
                for record in matches {
                    if parts.count == 2, let number = Int(parts[1]) {
                        chosen.append((record, [number - 1]))
                    } else {
                        chosen.append(everything(record))
                    }
                }
                continue
            }
            let path = Self.repositoryPath(name)
            let byPath = records.filter { $0.path == path }
            if byPath.isEmpty { unmatched.append(name) } else { chosen += byPath.map(everything) }
        }
        if !unmatched.isEmpty { throw Failure.nothingSelected(unmatched) }
        return chosen
    }

    /// `name` relative to the repository root, as the driver recorded it (`%P`).
    static func repositoryPath(_ name: String) -> String {
        guard let repository = try? Repository(discoveringFrom: FileManager.default.currentDirectoryPath) else { return name }
        let absolute = URL(fileURLWithPath: name, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).path
        return repository.indexPath(of: absolute) ?? name
    }
}

/// Puts git's markers back for some regions of one record, keeping every other byte of the file as it is now.
struct Undo {
    let record: ResolutionRecord
    let positions: Set<Int>
    let root: URL
    let store: RecordStore

    func run() throws {
        let file = root.appendingPathComponent(record.path)
        guard let current = FileManager.default.contents(atPath: file.path).map([UInt8].init) else {
            throw Review.Failure.missing(path: record.path)
        }
        let remaining = record.regions.filter { !positions.contains($0.position) }
        let target = record.text(keeping: Set(remaining.map(\.position)))
        let written = Array(record.written.utf8)
        // What the user changed since the driver wrote the file is merged onto the undone text.
        let restored: [UInt8]
        if current == written {
            restored = target
        } else {
            let merge = LineMerge(base: written, ours: current, theirs: target)
            guard !merge.hasConflicts(style: .diff3) else { throw Review.Failure.editedInside(path: record.path) }
            restored = merge.render(style: .diff3, markers: ConflictMarkers())
        }
        try writeFileAtomically(restored, to: file.path)
        let unmerged = try markUnmerged()
        var updated = record
        updated.regions = remaining
        updated.written = String(decoding: target, as: UTF8.self)
        if remaining.isEmpty { store.remove(record) } else { try store.write(updated) }
        let count = record.regions.count - remaining.count
        print("\(record.path): git's markers are back for \(count) region\(count == 1 ? "" : "s")\(unmerged ? "; the file is unmerged again" : "")")
    }

    /// While the operation is in progress and git already took the file as merged, gives the index its
    /// three stages back, so that `git status` lists the file as unmerged. Returns whether it did.
    func markUnmerged() throws -> Bool {
        let installation = Installation(scope: .repository, directory: root)
        let gitDirectory = try installation.git(["rev-parse", "--git-dir"])
        let inProgress = ["MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply"].contains {
            FileManager.default.fileExists(atPath: URL(fileURLWithPath: gitDirectory, relativeTo: root).appendingPathComponent($0).path)
        }
        guard inProgress else { return false }
        let entries = try installation.git(["ls-files", "-s", "--", record.path]).split(separator: "\n").map {
            $0.split(separator: "\t")[0].split(separator: " ").map(String.init)
        }
        guard let first = entries.first, first.count == 3 else { return false }
        if entries.contains(where: { $0.count == 3 && $0[2] != "0" }) { return true }
        let mode = first[0]
        var lines = "0 \(String(repeating: "0", count: 40))\t\(record.path)\n"
        for (stage, content) in [(1, record.base), (2, record.ours), (3, record.theirs)] {
            let blob = try installation.git(["hash-object", "-w", "--stdin"], input: content)
            lines += "\(mode) \(blob) \(stage)\t\(record.path)\n"
        }
        try installation.git(["update-index", "--index-info"], input: lines)
        return true
    }
}

/// One record as `review` prints it: each region's three sides, then what was written against ours.
struct ReviewText {
    let record: ResolutionRecord
    let positions: Set<Int>
    let colour: Bool

    func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    var text: String {
        let formatter = ISO8601DateFormatter()
        let resolved = record.regions.count
        var lines = [paint("\(record.id)  \(record.path)", "1") + "  \(record.operationKind), \(resolved) resolved, \(record.left) left, "
                     + "\(formatter.string(from: record.time)), mergebert \(record.toolVersion), model \(record.model ?? "none")"]
        for region in record.regions where positions.contains(region.position) {
            let probability = region.probability.map { String(format: " p=%.2f", $0) } ?? ""
            lines.append("  \(record.id):\(region.position + 1)  line \(region.oursLine): \(region.kind)\(probability) — \(region.reason)")
            for (title, side, code) in [("ours (\(record.labels[0]))", region.ours, "32"), ("base (\(record.labels[1]))", region.base, "2"),
                                        ("theirs (\(record.labels[2]))", region.theirs, "36")] {
                lines.append("    " + paint(title, code))
                lines += Self.lines(side).map { "    " + paint("| " + $0, code) }
            }
            lines.append("    " + paint("written (against ours)", "1;33"))
            lines += Self.diff(from: region.ours, to: region.written).map { line in
                "    " + (line.hasPrefix("+") ? paint(line, "33") : line.hasPrefix("-") ? paint(line, "31") : line)
            }
        }
        return lines.joined(separator: "\n")
    }

    static func lines(_ text: String) -> [String] {
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// A line diff: ` ` kept, `-` only in `old`, `+` only in `new`.
    static func diff(from old: String, to new: String) -> [String] {
        let oldLines = lines(old), newLines = lines(new)
        var interner = Interner<String>()
        let hunks = SequenceDiff.diff(interner.ids(oldLines), interner.ids(newLines))
        var result: [String] = []
        var oldIndex = 0
        for hunk in hunks {
            result += oldLines[oldIndex..<hunk.oldStart].map { "  " + $0 }
            result += oldLines[hunk.oldStart..<(hunk.oldStart + hunk.oldCount)].map { "- " + $0 }
            result += newLines[hunk.newStart..<(hunk.newStart + hunk.newCount)].map { "+ " + $0 }
            oldIndex = hunk.oldStart + hunk.oldCount
        }
        result += oldLines[oldIndex...].map { "  " + $0 }
        return result
    }
}
