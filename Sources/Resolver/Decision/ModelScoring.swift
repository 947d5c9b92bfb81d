import Encoder
import MergeCore

/// Why the model's answers for a region cannot be used. The region then keeps git's markers, and the
/// failure is what `--explain`, `--json` and `eval --regions` report: never another answer.
public enum ModelFailure: Error, Sendable, Hashable, CustomStringConvertible {
    case encoder(String)
    case notFinite

    public var description: String {
        switch self {
        case .encoder(let message): "the model failed: \(message)"
        case .notFinite: "the model gave probabilities that are not finite numbers (corrupt weights?)"
        }
    }
}

extension ResolutionModel {
    /// Every answer the model gives for a region, with its probability: the nine patterns on the whole
    /// region, and the token level (the clean token merge, or one pattern per token conflict, each the most
    /// probable text for its conflict). A model without the region-level outputs answers only at the token
    /// level, with the product of its per-conflict probabilities.
    public func answers(for merge: TokenMerge, language: SourceLanguage) throws(ModelFailure) -> [Answer] {
        var batch: [EncoderInput] = []
        if decidesRegions { batch.append(featurizer.regionInput(of: merge, language: language)) }
        let firstConflict = batch.count
        for index in merge.conflicts.indices { batch.append(featurizer.conflictInput(of: merge, conflict: index, language: language)) }
        guard !batch.isEmpty else { return merge.cleanResult.map { [Answer(kind: .tokenMerge, tokens: $0, probability: 1)] } ?? [] }
        let probabilities: [[Float]]
        do {
            probabilities = try encoder.probabilities(batch)
        } catch {
            throw .encoder("\(error)")
        }
        guard probabilities.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { throw .notFinite }
        let patterns = ResolutionPattern.allCases

        let tokenLevel: Answer
        if let clean = merge.cleanResult {
            tokenLevel = Answer(kind: .tokenMerge, tokens: clean, probability: 1)
        } else {
            var resolutions: [[Token]] = []
            var chosen: [ResolutionPattern] = []
            var probability = 1.0
            for (offset, conflict) in merge.conflicts.enumerated() {
                // TOKEN does not apply to a token conflict: renormalise without it. OTHER stays in the total
                // (its mass is the model's doubt) but is never an answer.
                let scores = probabilities[firstConflict + offset]
                let total = scores.indices.reduce(Float(0)) { $0 + ($1 == tokenOutput ? 0 : scores[$1]) }
                let answers = patterns.indices.map {
                    Answer(kind: .pattern(patterns[$0]), tokens: patterns[$0].apply(to: conflict),
                           probability: Double(scores[$0] / max(total, .leastNormalMagnitude)))
                }
                let best = Candidate.grouping(answers)[0]
                guard case .pattern(let pattern) = best.kind else { preconditionFailure("a token conflict's answers are patterns") }
                probability *= best.probability
                resolutions.append(best.tokens)
                chosen.append(pattern)
            }
            tokenLevel = Answer(kind: .tokenPatterns(chosen), tokens: merge.resolved(with: resolutions), probability: probability)
        }
        guard let tokenOutput else { return [tokenLevel] }

        let region = probabilities[0]
        var answers = patterns.indices.map {
            Answer(kind: .pattern(patterns[$0]), tokens: patterns[$0].apply(base: merge.base, ours: merge.ours, theirs: merge.theirs),
                   probability: Double(region[$0]))
        }
        var token = tokenLevel
        token.probability *= Double(region[tokenOutput])
        answers.append(token)
        return answers
    }
}
