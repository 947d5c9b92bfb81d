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
    /// The region's candidate texts with their probabilities, most probable first: the ranker's texts when
    /// the model has one, else the encoder's answers grouped into texts. `context` is what the file's other
    /// regions say (`FileContext`), read by a ranker whose region features name it.
    public func candidates(for merge: TokenMerge, language: SourceLanguage, context: FileContext = .empty) throws(ModelFailure) -> [Candidate] {
        guard let ranker, let tokenOutput else { return Candidate.grouping(try answers(for: merge, language: language)) }
        // The encoder runs only for a ranker that reads its probabilities.
        let region = ranker.candidateFeatures.contains(CandidateTexts.encoderProbability)
            ? try encode([featurizer.regionInput(of: merge, language: language)])[0] : nil
        let patterns = ResolutionPattern.allCases
        let texts = CandidateTexts.of(merge, layout: !Set(CandidateTexts.layoutFeatureNames).isDisjoint(with: ranker.candidateFeatures))
        let features = texts.map { text in
            var features = text.features
            if let region {
                features[CandidateTexts.encoderProbability] = text.kinds.reduce(0.0) { sum, kind in
                    switch kind {
                    case .tokenMerge: sum + Double(region[tokenOutput])
                    case .pattern(let pattern): sum + Double(region[patterns.firstIndex(of: pattern)!])
                    case .tokenPatterns: sum
                    }
                }
            }
            return features
        }
        // The side features as mine wrote them (by name, in double precision), so training saw the same values.
        let facts = featurizer.regionFacts(of: merge, language: language)
        let sides = SideFeatures.nonZero(input: featurizer.views(base: merge.base, ours: merge.ours, theirs: merge.theirs), facts: facts)
            .merging(context.features) { own, _ in own }
        let probabilities = ranker.probabilities(candidates: features, region: sides)
        guard probabilities.allSatisfy(\.isFinite) else { throw .notFinite }
        return zip(texts, probabilities).enumerated()
            .sorted { ($0.element.1, -$0.offset) > ($1.element.1, -$1.offset) }
            .map { Candidate(tokens: $0.element.0.tokens, kinds: $0.element.0.kinds, probability: $0.element.1) }
    }

    private func encode(_ batch: [EncoderInput]) throws(ModelFailure) -> [[Float]] {
        let probabilities: [[Float]]
        do {
            probabilities = try encoder.probabilities(batch)
        } catch {
            throw .encoder("\(error)")
        }
        guard probabilities.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { throw .notFinite }
        return probabilities
    }

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
        let probabilities = try encode(batch)
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
