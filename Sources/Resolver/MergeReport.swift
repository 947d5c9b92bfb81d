import MergeCore

/// What happened to one conflicting region of the line merge.
public struct RegionReport: Sendable, Codable, Hashable {
    /// How the region ended.
    public enum Fate: String, Sendable, Codable, Hashable {
        /// Resolved by the clean token-level merge.
        case tokenMerged = "token_merged"
        /// Resolved by the model's choice of pattern(s).
        case modelResolved = "model_resolved"
        /// Left with git's conflict markers.
        case left
    }

    /// 1-based position among the file's regions.
    public var index: Int
    /// 1-based line in ours where the region starts.
    public var oursLine: Int
    public var oursLines: Int
    public var baseLines: Int
    public var theirsLines: Int
    public var fate: Fate
    /// Token conflicts left after the token merge.
    public var tokenConflicts: Int
    /// Why it was left, or how it was resolved, in a few words.
    public var reason: String
    /// The candidate chosen: `token_merge`, a pattern applied to the whole region, or `token_patterns`.
    public var method: String?
    /// Its probability under the model.
    public var probability: Double?
    /// With `token_patterns`, the pattern of each token conflict.
    public var tokenPatterns: [String]?
    /// The guard that refused the chosen candidate (`version`, `duplicate-key`, `duplicate-import`).
    public var refusedBy: String?
    /// The model's failure, when it could not answer.
    public var modelFailure: String?

    enum CodingKeys: String, CodingKey {
        case index, fate, reason
        case oursLine = "ours_line", oursLines = "ours_lines", baseLines = "base_lines", theirsLines = "theirs_lines"
        case tokenConflicts = "token_conflicts", method, probability
        case tokenPatterns = "token_patterns", refusedBy = "refused_by", modelFailure = "model_failure"
    }

    public init(index: Int, oursLine: Int, oursLines: Int, baseLines: Int, theirsLines: Int, fate: Fate, tokenConflicts: Int,
                reason: String, method: String? = nil, probability: Double? = nil, tokenPatterns: [String]? = nil) {
        (self.index, self.oursLine, self.oursLines, self.baseLines, self.theirsLines) = (index, oursLine, oursLines, baseLines, theirsLines)
        (self.fate, self.tokenConflicts, self.reason) = (fate, tokenConflicts, reason)
        (self.method, self.probability, self.tokenPatterns) = (method, probability, tokenPatterns)
    }

    /// `report`'s position and size with what the resolver decided.
    public init(_ report: RegionReport, outcome: RegionResolver.Outcome) {
        self = report
        tokenConflicts = outcome.tokenConflicts
        reason = outcome.reason
        method = outcome.method
        probability = outcome.probability
        tokenPatterns = outcome.tokenPatterns
        switch outcome.fate {
        case .resolved: fate = outcome.chosen?.kind == .tokenMerge ? .tokenMerged : .modelResolved
        case .refused(let refusal):
            fate = .left
            refusedBy = refusal.name
        case .modelFailed(let failure):
            fate = .left
            modelFailure = failure.description
        case .belowThreshold, .noCandidate: fate = .left
        }
    }
}

/// The fate of every region of one merged file: for `--explain`, `--json` and `eval`.
public struct MergeReport: Sendable, Codable, Hashable {
    public var path: String?
    public var language: String
    /// Set when the whole file skipped resolution (binary, too large, ...); git's merge was kept.
    public var skipped: String?
    public var regions: [RegionReport]

    public var resolvedCount: Int { regions.filter { $0.fate != .left }.count }
    public var leftCount: Int { regions.filter { $0.fate == .left }.count }
    /// Whether the written file is free of conflict markers.
    public var isClean: Bool

    enum CodingKeys: String, CodingKey {
        case path, language, skipped, regions
        case isClean = "clean"
    }

    /// One line per region, as `--explain` prints them.
    public var explanation: [String] {
        let name = path ?? "merge"
        if let skipped { return ["\(name): \(skipped)"] }
        if regions.isEmpty { return ["\(name): no conflicts in the line merge"] }
        return regions.map { region in
            "\(name):\(region.oursLine): region \(region.index) (\(region.oursLines) ours / \(region.baseLines) base / "
                + "\(region.theirsLines) theirs lines): \(region.fate == .left ? "left" : region.fate == .tokenMerged ? "token-merged" : "resolved") — \(region.reason)"
        }
    }
}
