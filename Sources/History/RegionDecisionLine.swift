import MergeCore
import Resolver

/// One line of `eval --regions FILE.jsonl`: a located region, every candidate the resolver considered, the
/// one it chose, what became of it, and whether it was right. Calibration (`training/calibrate.py`) and the
/// model card are computed from these lines.
public struct RegionDecisionLine: Sendable, Codable {
    /// One candidate text: the answers that write it, their summed probability, and whether it reproduces
    /// the developer's resolution.
    public struct CandidateLine: Sendable, Codable {
        public var kind: String
        public var family: String
        /// Every answer writing this text (`A`, `token_merge`, `token_patterns`, ...), most probable first.
        public var kinds: [String]
        public var probability: Double
        public var reproduces: Bool
        /// With `token_patterns`, the pattern chosen for each token conflict.
        public var tokenPatterns: [String]?
        /// Its `CandidateTexts` features (non-zero only), for a region-level text; what a decision rule may
        /// read besides the probability.
        public var features: [String: Double]?

        enum CodingKeys: String, CodingKey {
            case kind, family, kinds, probability, reproduces, features
            case tokenPatterns = "token_patterns"
        }
    }

    /// What became of the chosen candidate.
    public enum Fate: String, Sendable, Codable {
        case resolved
        case belowThreshold = "below_threshold"
        /// A safety check or a guard refused it (`refused_by` says which).
        case refused
        case modelFailed = "model_failed"
        /// Token conflicts without a model, or a region the resolver did not look at.
        case noCandidate = "no_candidate"
    }

    public var repo: String
    public var commit: String
    public var path: String
    /// 0-based position of the region in its file.
    public var region: Int
    public var language: String
    public var code: Bool
    public var tokenConflicts: Int
    /// Whether the sides change separate lines (they only touch) or share some.
    public var shape: RegionShape
    /// Lines of ours, base and theirs in the region.
    public var lines: [Int]
    /// The distinct candidate texts, most probable first; the first is the chosen one.
    public var candidates: [CandidateLine]
    /// What gave the candidates their probabilities: `none` (no model), `encoder` or `ranker`.
    public var scorer: RegionResolver.Scorer
    public var fate: Fate
    /// The threshold that applied to the chosen candidate.
    public var threshold: Double?
    /// `safety`, or the guard's name, when the chosen candidate was refused.
    public var refusedBy: String?
    /// The model's failure, when it could not answer.
    public var failure: String?
    /// Whether the written text reproduces the developer's resolution; nil when nothing was written.
    public var right: Bool?
    /// The single right answer in eval's order of preference (`token_merge`, a pattern, `token_patterns`, `OTHER`).
    public var oracle: String

    enum CodingKeys: String, CodingKey {
        case repo, commit, path, region, language, code, candidates, scorer, fate, threshold, right, oracle, failure, shape, lines
        case tokenConflicts = "token_conflicts", refusedBy = "refused_by"
    }

    public init(repo: String, region: LocatedRegion, developer: [UInt8], oracle: String) {
        self.repo = repo
        commit = region.commit
        path = region.path
        self.region = region.index
        language = region.language.name
        code = region.language.isCode
        self.oracle = oracle
        let outcome = region.outcome
        tokenConflicts = outcome?.tokenConflicts ?? 0
        shape = RegionShape.of(base: region.base, ours: region.ours, theirs: region.theirs)
        lines = [region.ours, region.base, region.theirs].map { splitLines($0).count }
        threshold = outcome?.threshold
        scorer = outcome?.scorer ?? .none
        let tokenizer = Tokenizer(language: region.language)
        let merge = TokenMerge(base: tokenizer.tokenize(region.base), ours: tokenizer.tokenize(region.ours), theirs: tokenizer.tokenize(region.theirs))
        var textFeatures: [[UInt8]: [String: Double]] = [:]
        if outcome != nil {
            for text in CandidateTexts.of(merge) { textFeatures[Reproduction.comparable(text.text)] = text.features }
        }
        candidates = (outcome?.candidates ?? []).map { candidate in
            var tokenPatterns: [String]?
            if case .tokenPatterns(let patterns) = candidate.kind { tokenPatterns = patterns.map(\.rawValue) }
            return CandidateLine(kind: candidate.kind.name, family: candidate.family.rawValue, kinds: candidate.kinds.map(\.name),
                                 probability: candidate.probability, reproduces: Reproduction.reproduces(candidate.text, developer),
                                 tokenPatterns: tokenPatterns, features: textFeatures[Reproduction.comparable(candidate.text)])
        }
        switch outcome?.fate {
        case .resolved?: fate = .resolved
        case .belowThreshold?: fate = .belowThreshold
        case .refused(let refusal)?:
            fate = .refused
            refusedBy = refusal.name
        case .modelFailed(let modelFailure)?:
            fate = .modelFailed
            failure = modelFailure.description
        case .noCandidate?, nil: fate = .noCandidate
        }
        right = outcome?.text.map { Reproduction.reproduces($0, developer) }
    }
}
