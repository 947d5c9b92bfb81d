import Foundation
import Testing
@testable import Encoder

/// Parsing and validation of `config.json`.
@Suite struct ConfigurationTests {
    static let minimal = #"{"vocab_size": 100, "layers": 2, "width": 64, "heads": 4, "ffn": 128, "max_length": 64}"#

    @Test func defaultsFillOptionalFields() throws {
        let configuration = try EncoderConfiguration(json: Data(Self.minimal.utf8))
        #expect(configuration.labels == ["A", "B", "O", "AB", "BA", "A-O", "B-O", "AB-O", "BA-O"])
        #expect(configuration.editTypes == 5)
        #expect(configuration.normPlacement == .pre)
        #expect(configuration.layerNormEpsilon == 1e-5)
        #expect(configuration.headWidth == 16)
    }

    @Test func roundTripsThroughJSON() throws {
        let configuration = EncoderConfiguration(vocabularySize: 300, layers: 3, width: 48, heads: 6, feedForwardWidth: 96,
                                                 maximumLength: 128, labels: ["A", "B"], normPlacement: .post, features: ["region", "language=go"])
        let decoded = try EncoderConfiguration(json: configuration.json())
        #expect(decoded == configuration)
        let keys = try JSONSerialization.jsonObject(with: configuration.json()) as? [String: Any]
        #expect(Set(keys?.keys ?? [:].keys) == ["vocab_size", "layers", "width", "heads", "ffn", "max_length", "edit_types", "labels", "norm", "layer_norm_epsilon", "features"])
    }

    @Test(arguments: [
        (#"{"layers": 2, "width": 64, "heads": 4, "ffn": 128, "max_length": 64}"#, "vocab_size"),
        (#"{"vocab_size": 100, "layers": 2, "width": 64, "heads": 5, "ffn": 128, "max_length": 64}"#, "multiple"),
        (#"{"vocab_size": 100, "layers": 0, "width": 64, "heads": 4, "ffn": 128, "max_length": 64}"#, "layers"),
        (#"{"vocab_size": 100, "layers": 2, "width": -64, "heads": 4, "ffn": 128, "max_length": 64}"#, "width"),
        (#"{"vocab_size": 100, "layers": 2, "width": 64, "heads": 4, "ffn": 128, "max_length": 999999999}"#, "max_length"),
        (#"{"vocab_size": 100, "layers": 2, "width": 64, "heads": 4, "ffn": 128, "max_length": 64, "norm": "middle"}"#, "norm"),
        (#"{"vocab_size": 100, "layers": 2, "width": 64, "heads": 4, "ffn": 128, "max_length": 64, "labels": []}"#, "labels"),
        (#"{"vocab_size": 100, "layers": 2, "width": 64, "heads": 4, "ffn": 128, "max_length": 64, "labels": ["A", "A"]}"#, "duplicates"),
        (#"{"vocab_size": "many", "layers": 2, "width": 64, "heads": 4, "ffn": 128, "max_length": 64}"#, "vocab_size"),
        (#"{"vocab_size": 100, "layers": 2, "width": 64, "heads": 4, "ffn": 128, "max_length": 64, "layer_norm_epsilon": -1}"#, "layer_norm_epsilon"),
        ("{", "JSON"),
    ])
    func rejectsBadConfigurations(json: String, mentioned: String) {
        do {
            _ = try EncoderConfiguration(json: Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch let EncoderError.invalidConfiguration(reason) {
            #expect(reason.contains(mentioned), "reason: \(reason)")
        } catch {
            Issue.record("untyped error \(error)")
        }
    }
}
