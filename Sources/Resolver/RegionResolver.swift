import Encoder
import MergeCore

/// Decides one region (DESIGN.md, step 5): among the clean token merge, the nine patterns applied to the
/// whole region, and the per-token-conflict patterns, take the model's choice when its probability clears
/// the threshold and it passes the safety checks; otherwise leave the region to git's markers.
/// Without a model, only a clean, safe token merge resolves a region.
public struct RegionResolver: Sendable {
    public let tokenizer: Tokenizer
    public let model: ResolutionModel?
    public let threshold: Double

    public init(tokenizer: Tokenizer, model: ResolutionModel? = nil, threshold: Double? = nil) {
        self.tokenizer = tokenizer
        self.model = model
        self.threshold = threshold ?? model?.defaultThreshold ?? 1
    }

    /// The outcome for one region.
    public struct Outcome: Sendable {
        /// The resolution, when it cleared the threshold and the safety checks.
        public var text: [UInt8]?
        public var tokenConflicts: Int
        public var reason: String
        /// How it was resolved: `token_merge`, a pattern name, or `token_patterns`.
        public var method: String?
        /// The chosen candidate's probability (1 for a clean token merge without a model).
        public var probability: Double?
        /// The best candidate before the threshold (nil when the safety checks refuse it), for
        /// precision/coverage curves: taking the candidates at or above a threshold is exactly what the
        /// resolver does with that threshold.
        public var candidate: [UInt8]?
        /// Patterns chosen for each token conflict, when the token level was used.
        public var tokenPatterns: [String]?

        public init(text: [UInt8]?, tokenConflicts: Int, reason: String, method: String? = nil, probability: Double? = nil,
                    candidate: [UInt8]? = nil, tokenPatterns: [String]? = nil) {
            self.text = text
            self.tokenConflicts = tokenConflicts
            self.reason = reason
            self.method = method
            self.probability = probability
            self.candidate = candidate
            self.tokenPatterns = tokenPatterns
        }
    }

    public func resolve(base: [UInt8], ours: [UInt8], theirs: [UInt8]) -> Outcome {
        let baseTokens = tokenizer.tokenize(base)
        let oursTokens = tokenizer.tokenize(ours)
        let theirsTokens = tokenizer.tokenize(theirs)
        let merge = TokenMerge(base: baseTokens, ours: oursTokens, theirs: theirsTokens)
        let conflicts = merge.conflicts.count

        let chosen: Choice?
        do {
            chosen = try choose(merge)
        } catch {
            // A model that fails or gives nonsense resolves nothing: the region keeps git's markers.
            return Outcome(text: nil, tokenConflicts: conflicts, reason: "\(error); left with markers")
        }
        guard let choice = chosen else {
            return Outcome(text: nil, tokenConflicts: conflicts,
                           reason: "\(conflicts) token conflict\(conflicts == 1 ? "" : "s") left; no model to classify them")
        }
        let text = choice.tokens.joinedBytes
        var outcome = Outcome(text: nil, tokenConflicts: conflicts, reason: "", method: choice.method,
                              probability: choice.probability, candidate: text, tokenPatterns: choice.tokenPatterns)
        let described = choice.method == "token_merge" ? "token merge" : "pattern \(choice.method)"
        // Checked at every probability, so that a precision/coverage curve never counts a candidate the
        // resolver would refuse at any threshold. The text is tokenized again as it will be written: joining
        // two sides can glue their edge tokens into one that no input has (`result` + `if`).
        let problem = SafetyCheck.problem(resolution: tokenizer.tokenize(text), base: baseTokens, ours: oursTokens, theirs: theirsTokens)
            ?? (ConflictMarkerScanner.containsMarkers(text, size: 7) ? "resolution would hold a conflict-marker line" : nil)
            ?? Guard.refusal(resolution: text, base: base, ours: ours, theirs: theirs, language: tokenizer.language).map { "\($0)" }
        if problem != nil { outcome.candidate = nil }
        if choice.probability < threshold {
            outcome.reason = "\(described) at p=\(format(choice.probability)) is below the threshold \(format(threshold))"
        } else if let problem {
            outcome.reason = "\(described) refused: \(problem)"
        } else {
            outcome.text = text
            outcome.reason = choice.method == "token_merge" && model == nil
                ? "the two sides change different tokens"
                : "\(described) at p=\(format(choice.probability))"
                    + (choice.tokenPatterns.map { " (" + $0.joined(separator: ", ") + ")" } ?? "")
        }
        return outcome
    }

    private struct Choice {
        var tokens: [Token]
        var method: String
        var probability: Double
        var tokenPatterns: [String]?
    }

    static let tokenLevelName = "TOKEN"

    /// Answers that write the same text (ignoring whitespace) are one candidate whose probability is the
    /// sum of theirs (QUALITY.md, "What a probability means"); the most probable text wins, named after
    /// its most probable answer.
    static func bestText(_ answers: [(tokens: [Token], name: String, probability: Double)])
        -> (tokens: [Token], name: String, probability: Double) {
        var groups: [[ArraySlice<UInt8>]: (tokens: [Token], name: String, best: Double, total: Double)] = [:]
        var order: [[ArraySlice<UInt8>]] = []
        for answer in answers {
            let key = answer.tokens.filter { !$0.isLayout }.map(\.bytes)
            if var group = groups[key] {
                group.total += answer.probability
                if answer.probability > group.best { (group.tokens, group.name, group.best) = (answer.tokens, answer.name, answer.probability) }
                groups[key] = group
            } else {
                groups[key] = (answer.tokens, answer.name, answer.probability, answer.probability)
                order.append(key)
            }
        }
        let winner = order.max { groups[$0]!.total < groups[$1]!.total }!
        let group = groups[winner]!
        return (group.tokens, group.name, group.total)
    }

    /// Why the model's answer cannot be used.
    enum ModelFailure: Error, CustomStringConvertible {
        case encoder(String)
        case notFinite

        var description: String {
            switch self {
            case .encoder(let message): "the model failed: \(message)"
            case .notFinite: "the model gave probabilities that are not finite numbers (corrupt weights?)"
            }
        }
    }

    /// The best candidate and its probability, or nil when there is none to offer.
    private func choose(_ merge: TokenMerge) throws -> Choice? {
        guard let model else {
            return merge.cleanResult.map { Choice(tokens: $0, method: "token_merge", probability: 1) }
        }
        var batch: [EncoderInput] = []
        if model.decidesRegions {
            batch.append(model.featurizer.regionFeatures(of: merge, language: tokenizer.language))
        }
        let firstConflict = batch.count
        for index in merge.conflicts.indices {
            batch.append(model.featurizer.features(of: merge, conflict: index, language: tokenizer.language))
        }
        guard !batch.isEmpty else { return merge.cleanResult.map { Choice(tokens: $0, method: "token_merge", probability: 1) } }
        let probabilities: [[Float]]
        do {
            probabilities = try model.encoder.probabilities(batch)
        } catch {
            throw ModelFailure.encoder("\(error)")
        }
        guard probabilities.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { throw ModelFailure.notFinite }
        let patterns = ResolutionPattern.allCases

        var tokenLevel: Choice?
        if let clean = merge.cleanResult {
            tokenLevel = Choice(tokens: clean, method: "token_merge", probability: 1)
        } else {
            var resolutions: [[Token]] = []
            var names: [String] = []
            var probability = 1.0
            for (offset, conflict) in merge.conflicts.enumerated() {
                // TOKEN does not apply to a token conflict: renormalise without it. OTHER stays in the
                // total (its mass is the model's doubt) but is never the answer.
                let scores = probabilities[firstConflict + offset]
                let total = scores.indices.reduce(Float(0)) { $0 + ($1 == model.tokenOutput ? 0 : scores[$1]) }
                let answers = patterns.indices.map { (tokens: patterns[$0].apply(to: conflict), name: patterns[$0].rawValue,
                                                      probability: Double(scores[$0] / max(total, .leastNormalMagnitude))) }
                let best = Self.bestText(answers)
                probability *= best.probability
                resolutions.append(best.tokens)
                names.append(best.name)
            }
            tokenLevel = Choice(tokens: merge.resolved(with: resolutions), method: "token_patterns", probability: probability,
                                tokenPatterns: names)
        }
        guard model.decidesRegions else { return tokenLevel }

        // The best text among the patterns and TOKEN; OTHER is not an answer.
        let region = probabilities[0]
        var answers = patterns.indices.map { (tokens: patterns[$0].apply(base: merge.base, ours: merge.ours, theirs: merge.theirs),
                                              name: patterns[$0].rawValue, probability: Double(region[$0])) }
        if let tokenOutput = model.tokenOutput, let tokenLevel {
            answers.append((tokens: tokenLevel.tokens, name: Self.tokenLevelName, probability: Double(region[tokenOutput]) * tokenLevel.probability))
        }
        let best = Self.bestText(answers)
        if best.name == Self.tokenLevelName, var choice = tokenLevel {
            choice.probability = best.probability
            return choice
        }
        return Choice(tokens: best.tokens, method: best.name, probability: best.probability)
    }

    private func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
