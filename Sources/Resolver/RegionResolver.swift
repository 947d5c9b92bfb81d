import Encoder
import MergeCore

/// Decides one region (DESIGN.md, step 5), orchestrating the decision module: merge its tokens, gather the
/// candidates (the clean token merge without a model; with one, its answers grouped into texts), let the
/// policy choose, and write the choice only when it passes the safety checks and guards. Everything else
/// keeps git's markers.
public struct RegionResolver: Sendable {
    public let tokenizer: Tokenizer
    public let model: ResolutionModel?
    public let policy: DecisionPolicy

    /// `threshold`, when given, replaces the model's calibrated thresholds for every kind of candidate.
    public init(tokenizer: Tokenizer, model: ResolutionModel? = nil, threshold: Double? = nil) {
        self.tokenizer = tokenizer
        self.model = model
        policy = threshold.map(DecisionPolicy.init(threshold:)) ?? model?.policy ?? .withoutModel
    }

    /// Why a chosen candidate is not written although it cleared its threshold.
    public enum Refusal: Sendable, Hashable, CustomStringConvertible {
        /// A safety check failed (an invented token, unbalanced brackets, an unended last line).
        case unsafe(String)
        /// The text would hold a line that looks like a conflict marker.
        case markerLine
        /// A guard against a hazard seen in real merges.
        case guarded(Guard)

        /// `safety` for the safety checks, else the guard's name (reports and `eval --regions`).
        public var name: String {
            if case .guarded(let hazard) = self { hazard.name } else { "safety" }
        }

        public var description: String {
            switch self {
            case .unsafe(let problem): problem
            case .markerLine: "resolution would hold a conflict-marker line"
            case .guarded(let hazard): "the \(hazard.name) guard: \(hazard)"
            }
        }
    }

    /// How a region ended.
    public enum Fate: Sendable {
        case resolved
        /// The best candidate's probability is below its family's threshold.
        case belowThreshold
        /// The best candidate failed a check (at any threshold it would).
        case refused(Refusal)
        /// The model could not answer; nothing else was tried in its place.
        case modelFailed(ModelFailure)
        /// Token conflicts and no model to choose among candidates.
        case noCandidate
    }

    /// What gave the candidates their probabilities.
    public enum Scorer: String, Sendable, Codable {
        /// No model: a clean token merge at probability 1.
        case none
        /// The encoder's answers, grouped into texts.
        case encoder
        /// The ranker over candidate texts (`ranker.json`); it reads the encoder's probabilities when its features name them.
        case ranker
    }

    /// The outcome for one region: every candidate, the chosen one, and its fate.
    public struct Outcome: Sendable {
        public var fate: Fate
        public var tokenConflicts: Int
        /// The distinct candidate texts, most probable first (empty without a model unless the token merge is clean).
        public var candidates: [Candidate]
        /// The threshold that applied to the best candidate.
        public var threshold: Double?
        /// What scored the candidates.
        public var scorer: Scorer

        public init(fate: Fate, tokenConflicts: Int, candidates: [Candidate] = [], threshold: Double? = nil, scorer: Scorer = .none) {
            (self.fate, self.tokenConflicts, self.candidates, self.threshold, self.scorer) = (fate, tokenConflicts, candidates, threshold, scorer)
        }

        /// The best candidate, whether or not it was written.
        public var chosen: Candidate? { candidates.first }
        /// The resolution written, when there is one.
        public var text: [UInt8]? { if case .resolved = fate { chosen?.text } else { nil } }
        /// The best candidate unless a check refuses it: taking those at or above a threshold is exactly what
        /// the resolver does with that threshold (precision/coverage curves).
        public var candidate: [UInt8]? {
            switch fate {
            case .resolved, .belowThreshold: chosen?.text
            case .refused, .modelFailed, .noCandidate: nil
            }
        }
        public var method: String? { chosen?.kind.name }
        public var probability: Double? { chosen?.probability }
        /// With `token_patterns`, the pattern of each token conflict.
        public var tokenPatterns: [String]? {
            if case .tokenPatterns(let patterns) = chosen?.kind { patterns.map(\.rawValue) } else { nil }
        }

        /// In a few words, for `--explain` and reports.
        public var reason: String {
            let described = chosen.map { chosen in
                let kind = chosen.kind == .tokenMerge ? "token merge" : "pattern \(chosen.kind.name)"
                return chosen.family == chosen.kind.family ? kind : "\(kind) (\(chosen.family.description))"
            } ?? ""
            let probability = format(chosen?.probability ?? 0)
            switch fate {
            case .resolved:
                if scorer == .none { return "the two sides change different tokens" }
                return "\(described) at p=\(probability)" + (tokenPatterns.map { " (" + $0.joined(separator: ", ") + ")" } ?? "")
            case .belowThreshold:
                // Enough digits that the two differ: "p=0.80 is below the threshold 0.80" reads as a bug.
                let limit = threshold ?? 1, value = chosen?.probability ?? 0
                let digits = (2...6).first { format(value, digits: $0) != format(limit, digits: $0) } ?? 6
                return "\(described) at p=\(format(value, digits: digits)) is below the threshold \(format(limit, digits: digits))"
            case .refused(let refusal):
                return "\(described) refused by \(refusal)"
            case .modelFailed(let failure):
                return "\(failure); left with markers"
            case .noCandidate:
                return "\(tokenConflicts) token conflict\(tokenConflicts == 1 ? "" : "s") left; no model to classify them"
            }
        }

        private func format(_ value: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }
    }

    /// The token-level merge of a region's three sides.
    public func tokenMerge(base: [UInt8], ours: [UInt8], theirs: [UInt8]) -> TokenMerge {
        TokenMerge(base: tokenizer.tokenize(base), ours: tokenizer.tokenize(ours), theirs: tokenizer.tokenize(theirs))
    }

    /// What a file's regions (their token-level merges, in order) say about each of them, for a model that
    /// reads it; empty otherwise, so that a model without it pays nothing.
    public func context(of merges: [TokenMerge]) -> FileContext {
        guard let model, model.readsFileContext else { return .empty }
        return FileContext(regions: merges, language: tokenizer.language, featurizer: model.featurizer)
    }

    /// One region on its own (`context`: what its file's other regions say, `context(of:)`).
    public func resolve(base: [UInt8], ours: [UInt8], theirs: [UInt8], context: FileContext = .empty) -> Outcome {
        resolve(tokenMerge(base: base, ours: ours, theirs: theirs), base: base, ours: ours, theirs: theirs, context: context)
    }

    /// One region whose token-level merge (`tokenMerge(base:ours:theirs:)`) a file-level caller already made
    /// for the context, so that its sides are tokenized once.
    public func resolve(_ merge: TokenMerge, base: [UInt8], ours: [UInt8], theirs: [UInt8], context: FileContext) -> Outcome {
        let conflicts = merge.conflicts.count

        var candidates: [Candidate]
        if let model {
            do {
                candidates = try model.candidates(for: merge, language: tokenizer.language, context: context)
                RegionFamilies.assign(&candidates, base: base, ours: ours, theirs: theirs, tokenizer: tokenizer)
            } catch {
                return Outcome(fate: .modelFailed(error), tokenConflicts: conflicts)
            }
        } else {
            candidates = merge.cleanResult.map { [Candidate(tokens: $0, kinds: [.tokenMerge], probability: 1)] } ?? []
        }
        guard let (best, accepted) = policy.choose(candidates) else { return Outcome(fate: .noCandidate, tokenConflicts: conflicts) }
        var outcome = Outcome(fate: .resolved, tokenConflicts: conflicts, candidates: candidates,
                              threshold: policy.threshold(for: best.family),
                              scorer: model.map { $0.ranker == nil ? .encoder : .ranker } ?? .none)
        // Checked at every probability, so that a precision/coverage curve never counts a candidate the
        // resolver would refuse at any threshold.
        if let refusal = refusal(of: best, base: base, ours: ours, theirs: theirs, sides: (merge.base, merge.ours, merge.theirs)) {
            outcome.fate = .refused(refusal)
        } else if !accepted {
            outcome.fate = .belowThreshold
        }
        return outcome
    }

    /// Why `candidate` must not be written, or nil. The text is tokenized again as it will be written:
    /// joining two sides can glue their edge tokens into one that no input has (`result` + `if`).
    private func refusal(of candidate: Candidate, base: [UInt8], ours: [UInt8], theirs: [UInt8],
                         sides: (base: [Token], ours: [Token], theirs: [Token])) -> Refusal? {
        let text = candidate.text, written = tokenizer.tokenize(text)
        if let problem = SafetyCheck.problem(resolution: written, base: sides.base, ours: sides.ours, theirs: sides.theirs) {
            return .unsafe(problem)
        }
        if ConflictMarkerScanner.containsMarkers(text, size: 7) { return .markerLine }
        return Guard.refusal(resolution: text, base: base, ours: ours, theirs: theirs, tokens: (written, sides.base, sides.ours, sides.theirs),
                             language: tokenizer.language).map(Refusal.guarded)
    }
}
