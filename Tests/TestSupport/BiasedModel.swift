import Encoder
import Foundation

/// A real model directory whose classifier ignores its input and always prefers the same labels: the
/// tiny golden fixture's encoder with a zero classifier weight and a chosen bias. It drives the whole
/// inference path (featurizer, encoder, decision, rendering) with predictions a test can know in advance.
public enum BiasedModel {
    public static let nineLabels = ["A", "B", "O", "AB", "BA", "A-O", "B-O", "AB-O", "BA-O"]

    static var tinyFixture: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../fixtures/encoder/tiny").standardized
    }

    /// Writes config.json, model.safetensors and decision.json into `directory`.
    /// `maximumLength` and `vocabularySize` shrink the position and token embeddings (a consistent but
    /// unusable model, for tests of what the loader accepts).
    public static func write(to directory: URL, bias: [String: Float], withTokenLabel: Bool = true, withOtherLabel: Bool = false,
                             threshold: Double = 0.5, maximumLength: Int? = nil, vocabularySize: Int? = nil) throws {
        let labels = nineLabels + (withTokenLabel ? ["TOKEN"] : []) + (withOtherLabel ? ["OTHER"] : [])
        var configuration = try EncoderConfiguration(contentsOf: tinyFixture.appendingPathComponent("config.json"))
        configuration.labels = labels
        let weights = try SafeTensors(contentsOf: tinyFixture.appendingPathComponent("model.safetensors"))
        var writer = SafeTensorsWriter()
        let rows = ["embeddings.position.weight": maximumLength, "embeddings.token.weight": vocabularySize]
        if let maximumLength { configuration.maximumLength = maximumLength }
        if let vocabularySize { configuration.vocabularySize = vocabularySize }
        for name in weights.tensors.keys.sorted() where !name.hasPrefix("classifier.") {
            var shape = try weights.info(name).shape
            var values = try weights.floats(name)
            if let count = rows[name] ?? nil {
                values = Array(values.prefix(count * shape[1]))
                shape[0] = count
            }
            writer.add(name, shape: shape, values: values)
        }
        writer.add("classifier.weight", shape: [labels.count, configuration.width],
                   values: [Float](repeating: 0, count: labels.count * configuration.width))
        writer.add("classifier.bias", shape: [labels.count], values: labels.map { bias[$0] ?? 0 })
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try configuration.json().write(to: directory.appendingPathComponent("config.json"))
        try writer.write(to: directory.appendingPathComponent("model.safetensors"))
        try Data("{\"threshold\": \(threshold)}\n".utf8).write(to: directory.appendingPathComponent("decision.json"))
    }
}
