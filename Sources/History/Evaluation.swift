import Foundation
import GitBridge
import MergeCore
import Resolver

/// One point of the resolver's precision/coverage trade-off: what it would have resolved taking only
/// candidates at or above `threshold`. Counts, so that reports of several shards or repositories add up.
public struct CurvePoint: Sendable, Codable, Hashable {
    public var threshold: Double
    public var resolved: Int
    public var correct: Int
    /// Regions scored (the coverage denominator).
    public var regions: Int

    /// nil when nothing was resolved: the precision of nothing is undefined, not 0%.
    public var precision: Double? { resolved == 0 ? nil : Double(correct) / Double(resolved) }
    public var coverage: Double { regions == 0 ? 0 : Double(resolved) / Double(regions) }
    public var accuracy: Double { regions == 0 ? 0 : Double(correct) / Double(regions) }

    public init(threshold: Double, resolved: Int, correct: Int, regions: Int) {
        (self.threshold, self.resolved, self.correct, self.regions) = (threshold, resolved, correct, regions)
    }

    enum CodingKeys: String, CodingKey { case threshold, resolved, correct, regions, precision, coverage, accuracy }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(threshold: try container.decode(Double.self, forKey: .threshold), resolved: try container.decode(Int.self, forKey: .resolved),
                  correct: try container.decode(Int.self, forKey: .correct), regions: try container.decode(Int.self, forKey: .regions))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(resolved, forKey: .resolved)
        try container.encode(correct, forKey: .correct)
        try container.encode(regions, forKey: .regions)
        try container.encode(precision, forKey: .precision)
        try container.encode(coverage, forKey: .coverage)
        try container.encode(accuracy, forKey: .accuracy)
    }
}

/// The result of `mergebert eval`: what happened on a repository's history, for the resolver and the baselines.
public struct EvaluationReport: Sendable, Codable {
    public var repo: String
    public var mergesReplayed = 0
    public var mergesWithConflicts = 0
    public var files = 0
    /// Regions counted (after deduplication with `unique`).
    public var regions = 0
    public var regionsLocated = 0
    /// Regions left out as repeats of an earlier (A, O, B) triple.
    public var duplicates = 0
    public var unique = false
    public var seconds = 0.0
    public var tools: [String: ToolScore] = [:]
    /// The same scores over code files only (the figures quality targets refer to).
    public var code: [String: ToolScore] = [:]
    public var byLanguage: [String: [String: ToolScore]] = [:]
    /// The resolution that would have been right for each located region (`RegionLabels.oracle`) → count.
    public var byLabel: [String: Int] = [:]
    public var curve: [CurvePoint] = []
    /// The same curve over code files only.
    public var codeCurve: [CurvePoint] = []
    public var skipped: [String: Int] = [:]
    /// What produced the report, so that two reports can be told apart.
    public var provenance: Provenance?
    /// Code-file scores per repository (one entry, or one per repository of a combined report).
    public var byRepository: [String: [String: ToolScore]] = [:]
    /// Every merge with a counted region, in history order (the HTML report's per-merge table).
    public var merges: [MergeSummary] = []
    /// Regions resolved wrongly (all, up to `Evaluation.wrongExamples`) and left (the first `Evaluation.leftExamples`).
    public var examples: [RegionExample] = []
    /// Wrong or left regions beyond those limits, not in `examples`.
    public var examplesOmitted = 0

    /// The tool, model and selection behind a report.
    public struct Provenance: Sendable, Codable, Hashable {
        public var toolVersion: String
        /// The model directory and a digest of its weights, or nil for clean token merges only.
        public var model: String?
        public var modelDigest: String?
        /// The thresholds in effect per kind of candidate (nil without a model).
        public var thresholds: [String: Double]?
        /// The revision or range walked, else the reference globs walked; and the other selection options.
        public var revision: String?
        public var references: [String]?
        public var maximumMerges: Int?
        public var since: String?
        /// The part of a split replayed (`I/N`), nil for every merge.
        public var shard: String?
        /// For a combined report (`eval --merge-json`): the reports it adds up, by repository and shard.
        public var parts: [String]?

        public init(toolVersion: String, model: String?, modelDigest: String?, thresholds: [CandidateFamily: Double]?, revision: String?,
                    references: [String]?, maximumMerges: Int?, since: String?, shard: String? = nil) {
            self.shard = shard
            self.references = references
            (self.toolVersion, self.model, self.modelDigest) = (toolVersion, model, modelDigest)
            self.thresholds = thresholds.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key.rawValue, $0.value) }) }
            (self.revision, self.maximumMerges, self.since) = (revision, maximumMerges, since)
        }

        enum CodingKeys: String, CodingKey {
            case model, thresholds, revision, since, references, shard, parts
            case toolVersion = "tool_version", modelDigest = "model_digest", maximumMerges = "max_merges"
        }
    }

    enum CodingKeys: String, CodingKey {
        case repo, files, regions, duplicates, unique, seconds, tools, code, curve, skipped, provenance
        case mergesReplayed = "merges_replayed", mergesWithConflicts = "merges_with_conflicts"
        case regionsLocated = "regions_located", byLanguage = "by_language", byLabel = "by_label", codeCurve = "code_curve"
        case byRepository = "by_repository", merges, examples, examplesOmitted = "examples_omitted"
    }

    public init(repo: String) {
        self.repo = repo
    }
}

/// Scores the resolver and the baselines on every located region of a repository's merge history.
public struct Evaluation {
    public var scanner: RegionScanner
    public var unique: Bool
    /// How many wrongly resolved and how many left regions the report keeps as examples.
    public var wrongExamples = 1000
    public var leftExamples = 300

    public init(scanner: RegionScanner, unique: Bool) {
        self.scanner = scanner
        self.unique = unique
    }

    /// `regions`, when given, receives one line per located region counted: what was decided and whether it was right.
    public func run(repository: Repository, name: String, progress: ((RegionScanner.Progress) -> Void)? = nil,
                    regions regionSink: ((RegionDecisionLine) throws -> Void)? = nil) throws -> EvaluationReport {
        let started = Date()
        var report = EvaluationReport(repo: name)
        report.unique = unique
        var seen = Set<String>()
        var candidates: [(probability: Double, correct: Bool)] = []
        var codeCandidates: [(probability: Double, correct: Bool)] = []
        var codeRegionsLocated = 0
        var leftKept = 0, wrongKept = 0
        let totals = try scanner.scan(repository: repository, progress: progress) { region, merge in
            if unique {
                guard seen.insert(region.key).inserted else {
                    report.duplicates += 1
                    return
                }
            }
            report.regions += 1
            if report.merges.last?.commit != merge.commit { report.merges.append(MergeSummary(repo: name, merge: merge)) }
            report.merges[report.merges.count - 1].regions += 1
            guard let developer = region.developer else { return }
            report.regionsLocated += 1
            if let written = region.suggestion {
                report.merges[report.merges.count - 1].resolved += 1
                if Reproduction.reproduces(written, developer) { report.merges[report.merges.count - 1].right += 1 }
            }
            if let example = RegionExample(repo: name, region: region, developer: developer) {
                let kept = example.status == .wrong ? wrongKept < wrongExamples : leftKept < leftExamples
                if kept {
                    report.examples.append(example)
                    if example.status == .wrong { wrongKept += 1 } else { leftKept += 1 }
                } else {
                    report.examplesOmitted += 1
                }
            }
            let tokenMerge = region.tokenMerge()
            let tokenMerged = tokenMerge.cleanResult?.joinedBytes
            for tool in Tool.allCases {
                let suggestion = tool.suggestion(for: region, tokenMerge: tokenMerged)
                report.tools[tool.rawValue, default: ToolScore()].record(suggestion: suggestion, developer: developer)
                report.byLanguage[region.languageGroup, default: [:]][tool.rawValue, default: ToolScore()]
                    .record(suggestion: suggestion, developer: developer)
                if region.language.isCode {
                    report.code[tool.rawValue, default: ToolScore()].record(suggestion: suggestion, developer: developer)
                }
            }
            if region.language.isCode { codeRegionsLocated += 1 }
            if let outcome = region.outcome, let candidate = outcome.candidate, let probability = outcome.probability {
                let scored = (probability, Reproduction.reproduces(candidate, developer))
                candidates.append(scored)
                if region.language.isCode { codeCandidates.append(scored) }
            }
            let labels = Reproduction.labels(of: tokenMerge, resolution: developer, tokenizer: Tokenizer(language: region.language))
            report.byLabel[labels.oracle, default: 0] += 1
            try regionSink?(RegionDecisionLine(repo: name, region: region, developer: developer, oracle: labels.oracle))
        }
        report.mergesReplayed = totals.mergesReplayed
        report.mergesWithConflicts = totals.mergesWithConflicts
        report.files = totals.files
        report.skipped = totals.skipped
        for tool in Tool.allCases where report.tools[tool.rawValue] == nil { report.tools[tool.rawValue] = ToolScore() }
        report.curve = Self.curve(candidates, regions: report.regionsLocated)
        report.codeCurve = Self.curve(codeCandidates, regions: codeRegionsLocated)
        report.byRepository = [name: report.code]
        report.seconds = Date().timeIntervalSince(started)
        return report
    }
}

extension Evaluation {
    static let thresholds = [0, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99]

    /// Precision, coverage and accuracy if only candidates at or above each threshold were taken.
    /// Without a model every candidate is a clean token merge at probability 1: one point repeated.
    static func curve(_ candidates: [(probability: Double, correct: Bool)], regions: Int) -> [CurvePoint] {
        thresholds.map { threshold in
            let taken = candidates.filter { $0.probability >= threshold }
            return CurvePoint(threshold: threshold, resolved: taken.count, correct: taken.filter(\.correct).count, regions: regions)
        }
    }
}

extension EvaluationReport {
    /// The human table `eval` prints.
    public var table: String {
        func percent(_ value: Double) -> String { String(format: "%6.1f%%", value * 100) }
        func precision(_ score: ToolScore) -> String { score.resolved == 0 ? "      —" : percent(score.precision) }
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        var lines: [String] = []
        lines.append("\(repo): \(mergesReplayed) merges replayed, \(mergesWithConflicts) with conflicts, \(files) files, "
                     + "\(regions) regions\(unique ? " (unique; \(duplicates) repeats left out)" : ""), "
                     + "\(regionsLocated) located, \(String(format: "%.1f", seconds)) s")
        if !skipped.isEmpty {
            lines.append("not scored: " + skipped.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        func block(_ title: String, _ scores: [String: ToolScore]) {
            lines.append("")
            lines.append(pad(title, 24) + "resolved  correct    exact  precision  accuracy  coverage")
            for tool in Tool.allCases {
                guard let score = scores[tool.rawValue] else { continue }
                lines.append(pad(tool.rawValue, 24) + String(format: "%8d %8d %8d", score.resolved, score.correct, score.correctExact)
                             + "    " + precision(score) + "   " + percent(score.accuracy) + "  " + percent(score.coverage))
            }
        }
        block("all located regions", tools)
        if !code.isEmpty { block("code files", code) }
        for language in byLanguage.keys.sorted() { block(language, byLanguage[language]!) }
        for (title, points) in [("all located regions", curve), ("code files", codeCurve)] where points.contains(where: { $0.coverage > 0 }) {
            lines.append("")
            lines.append("mergebert by threshold, \(title) (precision / coverage):")
            lines.append(points.map { point in
                let precision = point.precision.map { String(format: "%.1f%%", $0 * 100) } ?? "—"
                return String(format: "%.2f: ", point.threshold) + precision + String(format: " / %.1f%%", point.coverage * 100)
            }.joined(separator: "  "))
        }
        if !byLabel.isEmpty {
            lines.append("")
            lines.append("right answer: " + byLabel.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
