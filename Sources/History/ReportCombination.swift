/// Adding up `eval` reports: of the shards of one repository's merges, or of several repositories.
extension EvaluationReport {
    /// Why reports cannot be combined.
    public enum CombinationError: Error, CustomStringConvertible {
        case empty
        case mixed(String)

        public var description: String {
            switch self {
            case .empty: "no reports to combine"
            case .mixed(let what): "the reports differ in \(what): combine only reports made with the same options (run them again alike)"
            }
        }
    }

    /// One report whose counts, curves, merges and examples are those of all `reports` together.
    ///
    /// Counts add up exactly. With `--unique`, each report dropped repeats within itself only: a region
    /// repeated in two shards is counted in both (shards of different repositories never share regions).
    public static func combining(_ reports: [EvaluationReport], name: String? = nil) throws -> EvaluationReport {
        guard let first = reports.first else { throw CombinationError.empty }
        if reports.contains(where: { $0.unique != first.unique }) { throw CombinationError.mixed("--unique") }
        // The same weights and thresholds, wherever each machine keeps the model folder.
        func sameSetting(_ report: EvaluationReport) -> Bool {
            report.provenance?.modelDigest == first.provenance?.modelDigest && report.provenance?.thresholds == first.provenance?.thresholds
        }
        if !reports.allSatisfy(sameSetting) { throw CombinationError.mixed("model or thresholds") }
        if reports.contains(where: { $0.curve.map(\.threshold) != first.curve.map(\.threshold) }) { throw CombinationError.mixed("curve thresholds") }

        var names: [String] = []
        for report in reports where !names.contains(report.repo) { names.append(report.repo) }
        var combined = EvaluationReport(repo: name ?? names.joined(separator: " + "))
        combined.unique = first.unique
        for report in reports {
            combined.mergesReplayed += report.mergesReplayed
            combined.mergesWithConflicts += report.mergesWithConflicts
            combined.files += report.files
            combined.regions += report.regions
            combined.regionsLocated += report.regionsLocated
            combined.duplicates += report.duplicates
            combined.seconds += report.seconds
            add(report.tools, to: &combined.tools)
            add(report.code, to: &combined.code)
            for (language, scores) in report.byLanguage { add(scores, to: &combined.byLanguage[language, default: [:]]) }
            for (repository, scores) in report.byRepository { add(scores, to: &combined.byRepository[repository, default: [:]]) }
            for (label, count) in report.byLabel { combined.byLabel[label, default: 0] += count }
            for (reason, count) in report.skipped { combined.skipped[reason, default: 0] += count }
            combined.curve = add(report.curve, to: combined.curve)
            combined.codeCurve = add(report.codeCurve, to: combined.codeCurve)
            combined.merges += report.merges
            combined.examples += report.examples
            combined.examplesOmitted += report.examplesOmitted
        }
        if var provenance = first.provenance {
            // The selection of the first part, without its shard: what the parts together replayed.
            if reports.allSatisfy({ $0.provenance?.references == provenance.references && $0.provenance?.revision == provenance.revision }) {
                provenance.shard = nil
            } else {
                (provenance.references, provenance.revision, provenance.shard) = (nil, nil, nil)
            }
            provenance.parts = reports.map { report in "\(report.repo)" + (report.provenance?.shard.map { " shard \($0)" } ?? "") }
            combined.provenance = provenance
        }
        return combined
    }

    private static func add(_ scores: [String: ToolScore], to total: inout [String: ToolScore]) {
        for (tool, score) in scores {
            var sum = total[tool, default: ToolScore()]
            sum.resolved += score.resolved
            sum.correct += score.correct
            sum.correctExact += score.correctExact
            sum.regions += score.regions
            total[tool] = sum
        }
    }

    private static func add(_ points: [CurvePoint], to total: [CurvePoint]) -> [CurvePoint] {
        guard !total.isEmpty else { return points }
        return zip(total, points).map { sum, point in
            CurvePoint(threshold: sum.threshold, resolved: sum.resolved + point.resolved, correct: sum.correct + point.correct,
                       regions: sum.regions + point.regions)
        }
    }
}
