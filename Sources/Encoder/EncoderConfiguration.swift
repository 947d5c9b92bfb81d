import Foundation

/// The architecture of a merge encoder, read from a model directory's `config.json`.
///
/// The JSON keys are the ones the PyTorch trainer writes (`training/model.py`); every size the
/// forward pass uses comes from here and is checked against the weights before it is trusted.
public struct EncoderConfiguration: Sendable, Equatable, Codable {
    /// Where layer normalisation sits relative to the residual connections.
    public enum NormPlacement: String, Sendable, Codable {
        /// GPT-2 style: normalise each sub-layer's input, one final norm after the last layer.
        case pre
        /// BERT style: normalise the embeddings, and each sub-layer's output after the residual add.
        case post
    }

    /// The nine primitive resolutions, in the order the classifier's outputs use by default.
    public static let defaultLabels = ["A", "B", "O", "AB", "BA", "A-O", "B-O", "AB-O", "BA-O"]

    public var vocabularySize: Int
    public var layers: Int
    public var width: Int
    public var heads: Int
    public var feedForwardWidth: Int
    /// The longest sequence the position embeddings cover.
    public var maximumLength: Int
    /// The number of edit types, padding included.
    public var editTypes: Int
    /// The classifier's output labels, in output order.
    public var labels: [String]
    public var normPlacement: NormPlacement
    public var layerNormEpsilon: Float
    /// Names of the numeric side features, in input order (the resolver computes them); empty: the classifier
    /// sees the views alone.
    public var features: [String]

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size"
        case layers
        case width
        case heads
        case feedForwardWidth = "ffn"
        case maximumLength = "max_length"
        case editTypes = "edit_types"
        case labels
        case normPlacement = "norm"
        case layerNormEpsilon = "layer_norm_epsilon"
        case features
    }

    public init(
        vocabularySize: Int,
        layers: Int,
        width: Int,
        heads: Int,
        feedForwardWidth: Int,
        maximumLength: Int,
        editTypes: Int = EditType.count,
        labels: [String] = EncoderConfiguration.defaultLabels,
        normPlacement: NormPlacement = .pre,
        layerNormEpsilon: Float = 1e-5,
        features: [String] = []
    ) {
        self.vocabularySize = vocabularySize
        self.layers = layers
        self.width = width
        self.heads = heads
        self.feedForwardWidth = feedForwardWidth
        self.maximumLength = maximumLength
        self.editTypes = editTypes
        self.labels = labels
        self.normPlacement = normPlacement
        self.layerNormEpsilon = layerNormEpsilon
        self.features = features
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        vocabularySize = try container.decode(Int.self, forKey: .vocabularySize)
        layers = try container.decode(Int.self, forKey: .layers)
        width = try container.decode(Int.self, forKey: .width)
        heads = try container.decode(Int.self, forKey: .heads)
        feedForwardWidth = try container.decode(Int.self, forKey: .feedForwardWidth)
        maximumLength = try container.decode(Int.self, forKey: .maximumLength)
        editTypes = try container.decodeIfPresent(Int.self, forKey: .editTypes) ?? EditType.count
        labels = try container.decodeIfPresent([String].self, forKey: .labels) ?? Self.defaultLabels
        normPlacement = try container.decodeIfPresent(NormPlacement.self, forKey: .normPlacement) ?? .pre
        layerNormEpsilon = try container.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-5
        features = try container.decodeIfPresent([String].self, forKey: .features) ?? []
    }

    /// Reads and validates `config.json`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw EncoderError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        try self.init(json: data)
    }

    /// Decodes and validates a configuration from JSON bytes.
    public init(json: Data) throws {
        do {
            self = try JSONDecoder().decode(EncoderConfiguration.self, from: json)
        } catch let error as DecodingError {
            throw EncoderError.invalidConfiguration(reason: Self.explain(error))
        }
        try validate()
    }

    /// The configuration as pretty-printed JSON with the trainer's key names.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// The width of one attention head.
    public var headWidth: Int { width / heads }

    /// Rejects configurations that are impossible or absurd, before any memory is sized from them.
    public func validate() throws {
        // Upper bounds keep hostile files from asking for terabytes of workspace; they are far above
        // anything a merge encoder needs.
        let limits: [(String, Int, ClosedRange<Int>)] = [
            ("vocab_size", vocabularySize, 4...10_000_000),
            ("layers", layers, 1...256),
            ("width", width, 1...16_384),
            ("heads", heads, 1...1_024),
            ("ffn", feedForwardWidth, 1...65_536),
            ("max_length", maximumLength, 1...65_536),
            ("edit_types", editTypes, 1...1_024),
        ]
        for (name, value, range) in limits where !range.contains(value) {
            throw EncoderError.invalidConfiguration(reason: "\(name) is \(value), expected a value in \(range.lowerBound)...\(range.upperBound)")
        }
        if width % heads != 0 {
            throw EncoderError.invalidConfiguration(reason: "width \(width) is not a multiple of heads \(heads)")
        }
        if labels.isEmpty {
            throw EncoderError.invalidConfiguration(reason: "labels is empty")
        }
        if Set(labels).count != labels.count {
            throw EncoderError.invalidConfiguration(reason: "labels \(labels) contain duplicates")
        }
        if Set(features).count != features.count || features.count > 4_096 {
            throw EncoderError.invalidConfiguration(reason: "features must be distinct names, at most 4096")
        }
        if !(layerNormEpsilon > 0 && layerNormEpsilon.isFinite) {
            throw EncoderError.invalidConfiguration(reason: "layer_norm_epsilon is \(layerNormEpsilon), expected a small positive number")
        }
    }

    private static func explain(_ error: DecodingError) -> String {
        switch error {
        case let .keyNotFound(key, _):
            return "required field '\(key.stringValue)' is missing"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "field '\(path)' has the wrong type (\(context.debugDescription))"
        case let .dataCorrupted(context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not valid JSON" : "field '\(path)' is invalid (\(context.debugDescription))"
        @unknown default:
            return "\(error)"
        }
    }
}
