import Foundation
@testable import Encoder

/// Locations and loaders for the golden fixtures written by `training/make_golden.py`.
enum Fixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func directory(_ name: String) -> URL {
        repositoryRoot.appendingPathComponent("fixtures/encoder/\(name)")
    }

    /// The shipped model directory, when one exists in the checkout.
    static let shippedModel = repositoryRoot.appendingPathComponent("models")

    /// PyTorch's inputs and logits for a model directory.
    struct Golden: Decodable {
        struct Example: Decodable {
            let tokenIDs: [[Int32]]
            let editTypes: [[Int32]]
            let features: [Float]
            let logits: [Float]

            enum CodingKeys: String, CodingKey {
                case tokenIDs = "token_ids", editTypes = "edit_types", features, logits
            }

            var input: EncoderInput { EncoderInput(tokenIDs: tokenIDs, editTypes: editTypes, features: features) }
        }

        let tolerance: Float
        let examples: [Example]
    }

    static func golden(in directory: URL) throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: directory.appendingPathComponent("golden.json")))
    }

    static func tinyConfiguration() throws -> EncoderConfiguration {
        try EncoderConfiguration(contentsOf: directory("tiny").appendingPathComponent("config.json"))
    }

    static func tinyWeights() throws -> Data {
        try Data(contentsOf: directory("tiny").appendingPathComponent("model.safetensors"))
    }

    static func largestDifference(_ left: [Float], _ right: [Float]) -> Float {
        precondition(left.count == right.count)
        return zip(left, right).map { abs($0 - $1) }.max() ?? 0
    }
}

/// A small deterministic generator so fuzzing and random tests reproduce exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
