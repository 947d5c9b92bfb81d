import ArgumentParser
import Foundation
import GitBridge
import History
import Resolver

/// Options that choose which merges of a repository to replay.
struct HistoryOptions: ParsableArguments {
    @Option(help: "The repository (a work tree or a bare repository).") var repo: String = "."

    @Option(help: "Name for reports (default: the repository folder's name).") var name: String?

    @Option(help: "A revision or range to walk (default: everything reachable from branches and tags).") var rev: String?

    @Flag(help: "Walk every ref, pull-request refs (refs/pull/*) included, not only branches and tags.") var allRefs = false

    @Option(help: ArgumentHelp("Walk the refs matching this glob (repeatable; default: refs/heads and refs/tags).", valueName: "glob"))
    var refs: [String] = []

    @Option(help: "Stop after this many merges.") var maxMerges: Int?

    @Option(help: "Only merges committed on or after this date (YYYY-MM-DD).") var since: String?

    func selection() throws -> HistorySelection {
        var date: Date?
        if let since {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.timeZone = TimeZone(identifier: "UTC")
            guard let parsed = formatter.date(from: since) else { throw ValidationError("--since takes a date like 2024-01-31") }
            date = parsed
        }
        return HistorySelection(revision: rev, maximumMerges: maxMerges, since: date, references: references)
    }

    /// The reference globs walked without `--rev`.
    var references: [String] {
        allRefs ? HistorySelection.everyReference : refs.isEmpty ? HistorySelection.branchesAndTags : refs
    }

    var displayName: String {
        name ?? URL(fileURLWithPath: repo).standardizedFileURL.lastPathComponent
    }

    func openRepository() throws -> Repository {
        try Repository(discoveringFrom: repo)
    }
}

/// A one-line progress display on stderr, shown only when stderr is a terminal.
struct ProgressLine {
    let label: String
    let enabled = isatty(2) != 0

    func callback() -> ((Int, Int) -> Void)? {
        guard enabled else { return nil }
        let label = self.label
        let started = Date()
        return { done, total in
            guard done == total || done % 10 == 0 else { return }
            let seconds = Date().timeIntervalSince(started)
            let rate = seconds > 0 ? Double(done) / seconds : 0
            let remaining = rate > 0 ? Int(Double(total - done) / rate) : 0
            let eta = done == total ? String(format: "%.0f s", seconds) : "about \(remaining / 60) min \(remaining % 60) s left"
            // Padded so that a shorter line wipes out the end of the previous one.
            let line = "\r\(label): \(done)/\(total) merges, \(String(format: "%.1f", rate)) merges/s, \(eta)"
            FileHandle.standardError.write(Data(line.padding(toLength: max(line.count, 72), withPad: " ", startingAt: 0).utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}

/// `mergebert eval`: how well the resolver would have done on a repository's own merge history.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a repository's merges and score the resolver and the baselines on every conflict.",
        discussion: "A region is correct when the suggestion equals the developer's resolution ignoring whitespace.")

    @OptionGroup var history: HistoryOptions

    @Flag(help: "Count each distinct (ours, base, theirs) region once, at its first occurrence.") var unique = false

    @Option(help: "Also write the report as JSON to this file.") var json: String?

    @Option(help: "The model directory (default: MERGEBERT_MODEL, else models/ of the build or install).") var model: String?

    @Option(help: "Resolve only above this probability for every kind of candidate (default: the model's calibrated threshold per kind).") var threshold: Double?

    @Flag(help: "Score the resolver without a model: clean token merges only.") var noModel = false

    @Option(help: ArgumentHelp("Write one JSON line per located region: its candidates, the choice, its fate, and whether it was right.",
                               valueName: "file.jsonl")) var regions: String?

    func validate() throws {
        if let threshold, !(0...1).contains(threshold) {
            throw ValidationError("--threshold must be between 0 and 1, got \(threshold)")
        }
    }

    func run() throws {
        let repository = try history.openRepository()
        var options = ResolverOptions()
        options.threshold = threshold
        if !noModel { options.model = try loadResolutionModel(explicit: model).get() }
        let evaluation = Evaluation(scanner: RegionScanner(selection: try history.selection(), resolverOptions: options), unique: unique)
        let lines = try regions.map { try JSONLinesWriter(path: $0) }
        var report = try evaluation.run(repository: repository, name: history.displayName, progress: ProgressLine(label: "eval").callback(),
                                        regions: lines.map { writer in { try writer.write($0) } })
        try lines?.finish()
        let weights = options.model.flatMap { FileManager.default.contents(atPath: $0.directory.appendingPathComponent("model.safetensors").path) }
        report.provenance = .init(toolVersion: ToolVersion.current, model: options.model?.directory.path,
                                  modelDigest: weights.map { contentKey([UInt8]($0)) },
                                  thresholds: options.model.map { model in
                                      (threshold.map(DecisionPolicy.init(threshold:)) ?? model.policy).thresholds
                                  },
                                  revision: history.rev, references: history.rev == nil ? history.references : nil,
                                  maximumMerges: history.maxMerges, since: history.since)
        print(report.table)
        if let json { try writeFileAtomically(Array(jsonText(report).utf8) + [0x0A], to: json) }
    }
}

/// `mergebert mine`: training data from a repository's merge history.
struct Mine: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one JSONL record per located region and token conflict, with labels and model inputs.",
        discussion: "The record schema is in training/README.md. Inputs come from the same featurizer the resolver uses.")

    @OptionGroup var history: HistoryOptions

    @Option(help: "The JSONL file to write.") var out: String

    @Option(help: "Vocabulary size the token ids are hashed into (must match the model).") var vocabularySize = 16384

    @Option(help: "Maximum length of each of the four sequences (must match the model).") var maximumLength = 128

    func run() throws {
        let repository = try history.openRepository()
        let miner = Miner(scanner: RegionScanner(selection: try history.selection()),
                          featurizer: Featurizer(vocabularySize: vocabularySize, maximumLength: maximumLength))
        let writer = try JSONLinesWriter(path: out)
        var seen = Set<String>()
        let summary = try miner.mine(repository: repository, name: history.displayName, seenKeys: &seen,
                                     progress: ProgressLine(label: "mine").callback()) { try writer.write($0) }
        try writer.finish()
        printError("mined \(history.displayName): \(summary.totals.mergesReplayed) merges, \(summary.regions) regions, "
                   + "\(summary.regionsLocated) located, \(summary.records) records (\(summary.duplicates) duplicate regions) -> \(out)")
    }
}

/// Writes JSON values one per line (sorted keys), buffered, to a file created or emptied first.
final class JSONLinesWriter {
    private let handle: FileHandle
    private let path: String
    private var buffer = Data()
    private let encoder = JSONEncoder()

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CommandLineError.unwritable(path: path, reason: "cannot create the file")
        }
        self.handle = handle
        self.path = path
        encoder.outputFormatting = [.sortedKeys]
    }

    func write(_ value: some Encodable) throws {
        buffer.append(try encoder.encode(value))
        buffer.append(0x0A)
        if buffer.count > 1 << 20 { try flush() }
    }

    /// Writes what is buffered and closes the file.
    func finish() throws {
        try flush()
        try handle.close()
    }

    private func flush() throws {
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw CommandLineError.unwritable(path: path, reason: "\(error)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
