import Foundation

/// A listwise ranking head over a region's candidate texts (`training/rank_candidates.py`): a small MLP
/// scores each candidate from its features and the region's side features, standardised as in training,
/// and a softmax over the region's candidates turns the scores into probabilities of texts.
public struct CandidateRanker: Sendable {
    public let candidateFeatures: [String]
    public let regionFeatures: [String]
    let mean: [Double]
    let deviation: [Double]
    /// Linear layers, GELU between them: weight[output][input], bias[output]; the last has one output.
    let layers: [(weight: [[Double]], bias: [Double])]

    /// Why a ranker file cannot be used.
    public struct LoadError: Error, CustomStringConvertible {
        public let url: URL
        public let reason: String
        public var description: String { "the ranking head \(url.path) cannot be used: \(reason); export it again with training/rank_candidates.py --export" }
    }

    private struct Document: Decodable {
        struct Layer: Decodable { let weight: [[Double]]; let bias: [Double] }
        let candidate_features: [String]
        let region_features: [String]
        let mean: [Double]
        let std: [Double]
        let layers: [Layer]
    }

    public init(contentsOf url: URL) throws {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(contentsOf: url))
        } catch {
            throw LoadError(url: url, reason: "\(error)")
        }
        let width = document.candidate_features.count + document.region_features.count
        guard document.mean.count == width, document.std.count == width, document.std.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw LoadError(url: url, reason: "mean and std must have one finite value per feature (\(width)), std positive")
        }
        var inputs = width
        for (index, layer) in document.layers.enumerated() {
            guard layer.weight.count == layer.bias.count, layer.weight.allSatisfy({ $0.count == inputs }),
                  layer.weight.joined().allSatisfy(\.isFinite), layer.bias.allSatisfy(\.isFinite) else {
                throw LoadError(url: url, reason: "layer \(index) is not \(layer.bias.count) x \(inputs) finite weights")
            }
            inputs = layer.bias.count
        }
        guard !document.layers.isEmpty, inputs == 1 else { throw LoadError(url: url, reason: "the last layer must have one output") }
        (candidateFeatures, regionFeatures) = (document.candidate_features, document.region_features)
        (mean, deviation) = (document.mean, document.std)
        layers = document.layers.map { ($0.weight, $0.bias) }
    }

    /// The probability of each candidate (same order), from the candidates' features and the region's, by name.
    public func probabilities(candidates: [[String: Double]], region: [String: Double]) -> [Double] {
        let scores = candidates.map { features in
            score((candidateFeatures.map { features[$0] ?? 0 } + regionFeatures.map { region[$0] ?? 0 }))
        }
        guard let top = scores.max() else { return [] }
        let exponentials = scores.map { exp($0 - top) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }

    /// One candidate's score: standardise, then the layers.
    func score(_ raw: [Double]) -> Double {
        var values = zip(zip(raw, mean), deviation).map { ($0.0 - $0.1) / $1 }
        for (index, layer) in layers.enumerated() {
            values = zip(layer.weight, layer.bias).map { row, bias in zip(row, values).reduce(bias) { $0 + $1.0 * $1.1 } }
            if index < layers.count - 1 { values = values.map(Self.gelu) }
        }
        return values[0]
    }

    /// PyTorch's default GELU, with the exact error function.
    static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }
}
