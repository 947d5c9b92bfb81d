import Foundation

/// A listwise ranking model over a region's candidate texts (`training/rank_candidates.py`): small MLPs
/// ("heads", trained from different seeds) score each candidate from its features and the region's side
/// features, standardised as in training; each head's softmax over the region's candidates is a
/// distribution over texts, and the probability of a text is their average.
///
/// A ranker trained with a "none of these" row (`none_candidate`) scores, with the candidates, one more row
/// whose candidate features are all zero: the chance that the developer writes another text. Its share is
/// never an answer; it only lowers the candidates' probabilities, as it did in training.
public struct CandidateRanker: Sendable {
    public let candidateFeatures: [String]
    public let regionFeatures: [String]
    /// Whether the softmax includes the "none of these" row.
    public let scoresNone: Bool
    let mean: [Double]
    let deviation: [Double]
    /// Per head, its linear layers, GELU between them: weight[output][input], bias[output]; the last has one output.
    let heads: [[(weight: [[Double]], bias: [Double])]]

    /// Why a ranker file cannot be used.
    public struct LoadError: Error, CustomStringConvertible {
        public let url: URL
        public let reason: String
        public var description: String { "the ranking head \(url.path) cannot be used: \(reason); export it again with training/rank_candidates.py --export" }
    }

    private struct Document: Decodable {
        /// Either JSON arrays (`weight`, `bias`), or little-endian float32 in base64 (`weight_float32`,
        /// `bias_float32`) with the weight's `shape` [outputs, inputs], which reads far faster.
        struct Layer: Decodable {
            let weight: [[Double]]
            let bias: [Double]

            private enum CodingKeys: String, CodingKey { case weight, bias, shape, weight_float32, bias_float32 }

            init(from decoder: Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                guard let packedWeight = try container.decodeIfPresent(String.self, forKey: .weight_float32) else {
                    weight = try container.decode([[Double]].self, forKey: .weight)
                    bias = try container.decode([Double].self, forKey: .bias)
                    return
                }
                let shape = try container.decode([Int].self, forKey: .shape)
                let values = try Self.floats(packedWeight, key: .weight_float32, in: container)
                guard shape.count == 2, shape.allSatisfy({ $0 > 0 }), values.count == shape[0] * shape[1] else {
                    throw DecodingError.dataCorruptedError(forKey: .weight_float32, in: container,
                                                           debugDescription: "\(values.count) values do not fill the shape \(shape)")
                }
                weight = (0..<shape[0]).map { row in Array(values[(row * shape[1])..<((row + 1) * shape[1])]) }
                bias = try Self.floats(try container.decode(String.self, forKey: .bias_float32), key: .bias_float32, in: container)
            }

            private static func floats(_ text: String, key: CodingKeys, in container: KeyedDecodingContainer<CodingKeys>) throws -> [Double] {
                guard let data = Data(base64Encoded: text), data.count % 4 == 0 else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not base64 of float32 values")
                }
                return stride(from: 0, to: data.count, by: 4).map { offset in
                    let bits = UInt32(data[data.startIndex + offset]) | UInt32(data[data.startIndex + offset + 1]) << 8
                        | UInt32(data[data.startIndex + offset + 2]) << 16 | UInt32(data[data.startIndex + offset + 3]) << 24
                    return Double(Float(bitPattern: bits))
                }
            }
        }
        struct Head: Decodable { let layers: [Layer] }
        let candidate_features: [String]
        let region_features: [String]
        let none_candidate: Bool?
        let mean: [Double]
        let std: [Double]
        let heads: [Head]
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
        guard !document.heads.isEmpty else { throw LoadError(url: url, reason: "it has no heads") }
        for (headIndex, head) in document.heads.enumerated() {
            var inputs = width
            for (index, layer) in head.layers.enumerated() {
                guard layer.weight.count == layer.bias.count, layer.weight.allSatisfy({ $0.count == inputs }),
                      layer.weight.joined().allSatisfy(\.isFinite), layer.bias.allSatisfy(\.isFinite) else {
                    throw LoadError(url: url, reason: "head \(headIndex) layer \(index) is not \(layer.bias.count) x \(inputs) finite weights")
                }
                inputs = layer.bias.count
            }
            guard !head.layers.isEmpty, inputs == 1 else { throw LoadError(url: url, reason: "head \(headIndex)'s last layer must have one output") }
        }
        (candidateFeatures, regionFeatures) = (document.candidate_features, document.region_features)
        scoresNone = document.none_candidate ?? false
        (mean, deviation) = (document.mean, document.std)
        heads = document.heads.map { head in head.layers.map { ($0.weight, $0.bias) } }
    }

    /// The probability of each candidate (same order), from the candidates' features and the region's, by name.
    public func probabilities(candidates: [[String: Double]], region: [String: Double]) -> [Double] {
        guard !candidates.isEmpty else { return [] }
        let regionValues = regionFeatures.map { region[$0] ?? 0 }
        let rows = scoresNone ? candidates + [[:]] : candidates
        let inputs = rows.map { features in standardised(candidateFeatures.map { features[$0] ?? 0 } + regionValues) }
        var average = [Double](repeating: 0, count: rows.count)
        for head in heads {
            let scores = inputs.map { score($0, head: head) }
            let top = scores.max()!
            let exponentials = scores.map { exp($0 - top) }
            let total = exponentials.reduce(0, +)
            for index in average.indices { average[index] += exponentials[index] / total / Double(heads.count) }
        }
        return Array(average.prefix(candidates.count))
    }

    /// How many heads are averaged.
    public var headCount: Int { heads.count }

    func standardised(_ raw: [Double]) -> [Double] { zip(zip(raw, mean), deviation).map { ($0.0 - $0.1) / $1 } }

    /// One candidate's score by one head.
    func score(_ input: [Double], head: [(weight: [[Double]], bias: [Double])]) -> Double {
        var values = input
        for (index, layer) in head.enumerated() {
            values = zip(layer.weight, layer.bias).map { row, bias in zip(row, values).reduce(bias) { $0 + $1.0 * $1.1 } }
            if index < head.count - 1 { values = values.map(Self.gelu) }
        }
        return values[0]
    }

    /// PyTorch's default GELU, with the exact error function.
    static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }
}
