import ArgumentParser
import Foundation
import GitBridge
import History
import Resolver

/// Options that choose which merges of a repository to replay.
struct HistoryOptions: ParsableArguments {
    @Option(help: "The repository (a work tree or a bare repository).") var repo: String = "."

    @Option(help: "Name for reports (default: the repository folder's name).") var name: String?

    @Option(help: ArgumentHelp("Replay every repository listed in this file instead of --repo: one a line, a path or OWNER/NAME (found under --clones); # starts a comment. With --shard, the split is of this list.",
                               valueName: "file")) var repos: String?

    @Option(help: ArgumentHelp("Where --repos finds OWNER/NAME: CLONES/OWNER+NAME/repo, the layout of fetched mirrors.", valueName: "dir"))
    var clones: String?

    @Option(help: "A revision or range to walk (default: everything reachable from branches and tags).") var rev: String?

    @Flag(help: "Walk every ref, pull-request refs (refs/pull/*) included, not only branches and tags.") var allRefs = false

    @Option(help: ArgumentHelp("Walk the refs matching this glob (repeatable; default: refs/heads and refs/tags).", valueName: "glob"))
    var refs: [String] = []

    @Option(help: "Stop after this many merges.") var maxMerges: Int?

    @Option(help: "Only merges committed on or after this date (YYYY-MM-DD).") var since: String?

    @Option(help: ArgumentHelp("Replay only part I of N of the merges (a stable split by commit id), for batch jobs; combine the parts with `eval --merge-json`.",
                               valueName: "I/N")) var shard: String?

    @Option(help: "Threads replaying merges (default: the machine's cores); the results do not depend on it.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if let shard, Shard(shard) == nil { throw ValidationError("--shard takes I/N with 1 <= I <= N (for example 2/8), got \(shard)") }
    }

    func selection() throws -> HistorySelection {
        var date: Date?
        if let since {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.timeZone = TimeZone(identifier: "UTC")
            guard let parsed = formatter.date(from: since) else { throw ValidationError("--since takes a date like 2024-01-31") }
            date = parsed
        }
        // A shard of a repository list splits the list; each of its repositories is replayed whole.
        return HistorySelection(revision: rev, maximumMerges: maxMerges, since: date, references: references,
                                shard: repos == nil ? shard.flatMap(Shard.init) : nil)
    }

    /// The reference globs walked without `--rev`.
    var references: [String] {
        allRefs ? HistorySelection.everyReference : refs.isEmpty ? HistorySelection.branchesAndTags : refs
    }

    /// The repositories to replay, with the names reports give them: `--repo`, or this shard of `--repos`.
    func repositories() throws -> [(name: String, path: String)] {
        guard let repos else { return [(name ?? URL(fileURLWithPath: repo).standardizedFileURL.lastPathComponent, repo)] }
        guard let text = try? String(contentsOfFile: repos, encoding: .utf8) else {
            throw CommandLineError.unreadable(path: repos, reason: "cannot read the repository list")
        }
        let listed = try text.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let entry = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?
                .split(whereSeparator: \.isWhitespace).first.map(String.init) else { return nil }
            if FileManager.default.fileExists(atPath: entry) {
                return (URL(fileURLWithPath: entry).standardizedFileURL.lastPathComponent, entry)
            }
            guard let clones else {
                throw ValidationError("\(repos) names \(entry), which is not a folder here: give --clones DIR to find it as DIR/\(entry.replacingOccurrences(of: "/", with: "+"))/repo")
            }
            return (entry, "\(clones)/\(entry.replacingOccurrences(of: "/", with: "+"))/repo")
        }
        let part = shard.flatMap(Shard.init)
        return listed.filter { part?.holds(name: $0.0) ?? true }.map { (name: $0.0, path: $0.1) }
    }
}

/// A one-line progress display on stderr, shown only when stderr is a terminal.
struct ProgressLine {
    let label: String
    let enabled = isatty(2) != 0

    func callback() -> ((RegionScanner.Progress) -> Void)? {
        guard enabled else { return nil }
        let label = self.label
        let started = Date()
        return { progress in
            let (done, total) = (progress.mergesDone, progress.mergesTotal)
            guard done == total || done % 10 == 0 else { return }
            let seconds = Date().timeIntervalSince(started)
            let rate = seconds > 0 ? Double(done) / seconds : 0
            let remaining = rate > 0 ? Int(Double(total - done) / rate) : 0
            let eta = done == total ? String(format: "%.0f s", seconds) : "about \(remaining / 60) min \(remaining % 60) s left"
            // Padded so that a shorter line wipes out the end of the previous one.
            let line = "\r\(label): \(done)/\(total) merges, \(progress.regions) regions, \(String(format: "%.1f", rate)) merges/s, \(eta)"
            FileHandle.standardError.write(Data(line.padding(toLength: max(line.count, 80), withPad: " ", startingAt: 0).utf8))
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

    @Option(help: ArgumentHelp("Also write the report as one self-contained HTML page (no network, no JavaScript).", valueName: "file.html"))
    var html: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Replay nothing: add up these --json reports (shards, or repositories) into one.",
                                                         valueName: "report.json"))
    var mergeJson: [String] = []

    func validate() throws {
        if let threshold, !(0...1).contains(threshold) {
            throw ValidationError("--threshold must be between 0 and 1, got \(threshold)")
        }
        if !mergeJson.isEmpty && (regions != nil || history.repos != nil) {
            throw ValidationError("--merge-json adds up finished reports: it replays nothing, so --regions and --repos do not apply")
        }
    }

    func run() throws {
        let report: EvaluationReport
        if mergeJson.isEmpty {
            report = try replay()
        } else {
            let reports = try mergeJson.map { path in
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw CommandLineError.unreadable(path: path, reason: "no such file")
                }
                do {
                    return try JSONDecoder().decode(EvaluationReport.self, from: data)
                } catch {
                    throw CommandLineError.unreadable(path: path, reason: "not a report of `mergebert eval --json` (\(error))")
                }
            }
            report = try EvaluationReport.combining(reports, name: history.name)
        }
        print(report.table)
        if let json { try writeFileAtomically(Array(jsonText(report).utf8) + [0x0A], to: json) }
        if let html { try writeFileAtomically(Array(EvaluationPage(report: report).html.utf8), to: html) }
    }

    /// Replays the selected merges of each repository; several repositories give one combined report.
    func replay() throws -> EvaluationReport {
        var options = ResolverOptions()
        options.threshold = threshold
        if !noModel { options.model = try loadResolutionModel(explicit: model).get() }
        let evaluation = Evaluation(scanner: RegionScanner(selection: try history.selection(), resolverOptions: options, jobs: history.jobs), unique: unique)
        let lines = try regions.map { try JSONLinesWriter(path: $0) }
        let weights = options.model.flatMap { FileManager.default.contents(atPath: $0.directory.appendingPathComponent("model.safetensors").path) }
        let provenance = EvaluationReport.Provenance(
            toolVersion: ToolVersion.current, model: options.model?.directory.path, modelDigest: weights.map { contentKey([UInt8]($0)) },
            thresholds: options.model.map { model in (threshold.map(DecisionPolicy.init(threshold:)) ?? model.policy).thresholds },
            revision: history.rev, references: history.rev == nil ? history.references : nil,
            maximumMerges: history.maxMerges, since: history.since, shard: history.shard)
        var reports: [EvaluationReport] = []
        let repositories = try history.repositories()
        if repositories.isEmpty { throw CommandLineError.nothingSelected("shard \(history.shard ?? "") of \(history.repos ?? "") holds no repository") }
        for (name, path) in repositories {
            let repository = try Repository(discoveringFrom: path)
            var report = try evaluation.run(repository: repository, name: name, progress: ProgressLine(label: "eval \(name)").callback(),
                                            regions: lines.map { writer in { try writer.write($0) } })
            report.provenance = provenance
            if history.repos != nil { print(report.table + "\n") }
            reports.append(report)
        }
        try lines?.finish()
        return reports.count == 1 ? reports[0] : try EvaluationReport.combining(reports, name: history.name)
    }
}

/// `mergebert mine`: training data from a repository's merge history.
struct Mine: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one JSONL record per located region and token conflict, with labels and model inputs.",
        discussion: "The record schema is in training/README.md. Inputs come from the same featurizer the resolver uses.")

    @OptionGroup var history: HistoryOptions

    @Option(help: "The JSONL file to write; with --repos, the folder that receives OWNER+NAME.jsonl and OWNER+NAME.summary.json per repository.")
    var out: String

    @Option(help: "Vocabulary size the token ids are hashed into (must match the model).") var vocabularySize = 16384

    @Option(help: "Maximum length of each of the four sequences (must match the model).") var maximumLength = 128

    func run() throws {
        let miner = Miner(scanner: RegionScanner(selection: try history.selection(), jobs: history.jobs),
                          featurizer: Featurizer(vocabularySize: vocabularySize, maximumLength: maximumLength))
        guard history.repos != nil else {
            let (name, path) = try history.repositories()[0]
            let summary = try mine(miner, name: name, repository: try Repository(discoveringFrom: path), out: out)
            printError("mined \(name): \(summary.merges) merges, \(summary.regions) regions, \(summary.located) located, "
                       + "\(summary.records) records (\(summary.duplicates) duplicate regions) -> \(out)")
            return
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for (name, path) in try history.repositories() {
            let stem = "\(out)/\(name.replacingOccurrences(of: "/", with: "+"))"
            let repository = try Repository(discoveringFrom: path)
            let selected = try MergeHistory(repository: repository).mergeCommits(try history.selection())
            let digest = contentKey(Array(selected.map(\.hex).joined(separator: "\n").utf8))
            if let data = FileManager.default.contents(atPath: stem + ".summary.json"),
               let earlier = try? JSONDecoder().decode(MiningSummary.self, from: data),
               earlier.selectionDigest == digest, earlier.toolVersion == ToolVersion.current,
               FileManager.default.fileExists(atPath: stem + ".jsonl") {
                printError("mine \(name): already mined with the same \(selected.count) merges (\(stem).summary.json); skipped")
                continue
            }
            var summary = try mine(miner, name: name, repository: repository, out: stem + ".jsonl.partial")
            summary.selectionDigest = digest
            guard rename(stem + ".jsonl.partial", stem + ".jsonl") == 0 else {
                throw CommandLineError.unwritable(path: stem + ".jsonl", reason: String(cString: strerror(errno)))
            }
            try writeFileAtomically(Array(jsonText(summary).utf8) + [0x0A], to: stem + ".summary.json")
            printError("mined \(name): \(summary.merges) merges, \(summary.regions) regions, \(summary.located) located, "
                       + "\(summary.records) records in \(Int(summary.seconds)) s -> \(stem).jsonl")
        }
    }

    /// Mines one repository into `out` and says what it found.
    func mine(_ miner: Miner, name: String, repository: Repository, out: String) throws -> MiningSummary {
        let started = Date()
        let writer = try JSONLinesWriter(path: out)
        var seen = Set<String>()
        let summary = try miner.mine(repository: repository, name: name, seenKeys: &seen,
                                     progress: ProgressLine(label: "mine \(name)").callback()) { try writer.write($0) }
        try writer.finish()
        return MiningSummary(repo: name, head: repository.commitID("HEAD").map(Repository.hex), references: history.rev == nil ? history.references : nil,
                             revision: history.rev, merges: summary.totals.mergesReplayed, mergesWithConflicts: summary.totals.mergesWithConflicts,
                             regions: summary.regions, located: summary.regionsLocated, records: summary.records, duplicates: summary.duplicates,
                             seconds: Date().timeIntervalSince(started), toolVersion: ToolVersion.current, selectionDigest: nil)
    }
}

/// What `mine --repos` records next to each repository's records: where the history stood, what was found,
/// and how long it took. A repository whose selection of merges is unchanged is not mined again.
struct MiningSummary: Codable {
    var repo: String
    var head: String?
    var references: [String]?
    var revision: String?
    var merges: Int
    var mergesWithConflicts: Int
    var regions: Int
    var located: Int
    var records: Int
    var duplicates: Int
    var seconds: Double
    var toolVersion: String
    /// A digest of the selected merge commits' ids, in order.
    var selectionDigest: String?

    enum CodingKeys: String, CodingKey {
        case repo, head, references, revision, merges, regions, located, records, duplicates, seconds
        case mergesWithConflicts = "merges_with_conflicts", toolVersion = "tool_version", selectionDigest = "selection_digest"
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
