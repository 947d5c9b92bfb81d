import Foundation
import Testing
@testable import Encoder

/// Mutated weight files must load or fail with an `EncoderError`: never trap, never read out of bounds.
@Suite struct SafeTensorsFuzzTests {
    enum Mutation: CaseIterable {
        case flipBytes, flipHeaderBytes, truncate, editHeaderCharacter, editHeaderNumber, rewriteHeaderLength, extendOrShrinkHeader
    }

    static func mutate(_ original: Data, _ mutation: Mutation, using generator: inout SplitMix64) -> Data {
        var bytes = [UInt8](original)
        let headerLength = Int(original.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        let headerRange = 8 ..< 8 + headerLength
        switch mutation {
        case .flipBytes:
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            }
        case .flipHeaderBytes:
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                bytes[Int.random(in: headerRange, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            }
        case .truncate:
            bytes.removeLast(Int.random(in: 1...bytes.count, using: &generator))
        case .editHeaderCharacter:
            let replacements = Array(#"{}[]",:-0123456789e. aF"#.utf8)
            bytes[Int.random(in: headerRange, using: &generator)] = replacements.randomElement(using: &generator)!
        case .editHeaderNumber:
            // Change one digit, so the JSON stays valid but a shape or offset lies.
            let digits = headerRange.filter { (0x30...0x39).contains(bytes[$0]) }
            if let position = digits.randomElement(using: &generator) {
                bytes[position] = UInt8.random(in: 0x30...0x39, using: &generator)
            }
        case .rewriteHeaderLength:
            let length: UInt64 = [UInt64.random(in: 0...UInt64(bytes.count + 16), using: &generator),
                                  UInt64.random(in: 0...UInt64.max, using: &generator),
                                  UInt64(headerLength + Int.random(in: -8...8, using: &generator))].randomElement(using: &generator)!
            withUnsafeBytes(of: length.littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        case .extendOrShrinkHeader:
            // Keep the declared length but slide the data, as a writer that miscounts padding would.
            let shift = Int.random(in: 1...12, using: &generator)
            if Bool.random(using: &generator) {
                bytes.insert(contentsOf: [UInt8](repeating: 0x20, count: shift), at: 8 + headerLength - 1)
            } else {
                bytes.removeSubrange(8 + headerLength - shift ..< 8 + headerLength)
            }
        }
        return Data(bytes)
    }

    @Test func mutatedFilesNeverCrash() throws {
        let original = try Fixtures.tinyWeights()
        let configuration = try Fixtures.tinyConfiguration()
        let input = try Fixtures.golden(in: Fixtures.directory("tiny")).examples[0].input
        var generator = SplitMix64(state: 20_240_604)
        var outcomes: [String: Int] = [:]
        for iteration in 0..<400 {
            let mutation = Mutation.allCases[iteration % Mutation.allCases.count]
            let mutated = Self.mutate(original, mutation, using: &generator)
            do {
                let model = try MergeEncoderModel(configuration: configuration, weights: SafeTensors(data: mutated))
                // Loaded: corrupt values are allowed to give garbage, never to trap.
                let logits = try model.logits([input])
                #expect(logits.count == 1 && logits[0].count == configuration.labels.count)
                outcomes["loaded", default: 0] += 1
            } catch let error as EncoderError {
                #expect(!error.description.isEmpty)
                outcomes["\(error)".prefix(while: { $0 != "(" }).description, default: 0] += 1
            } catch {
                Issue.record("mutation \(mutation) at iteration \(iteration) threw an untyped error: \(error)")
            }
        }
        // The mutations must exercise both paths and several distinct checks.
        #expect(outcomes["loaded", default: 0] > 0)
        #expect(outcomes.count >= 5, "outcomes: \(outcomes)")
    }

    @Test func mutatedConfigurationsNeverCrash() throws {
        let original = Array(try Data(contentsOf: Fixtures.directory("tiny").appendingPathComponent("config.json")))
        let weights = try SafeTensors(data: Fixtures.tinyWeights())
        var generator = SplitMix64(state: 7)
        for _ in 0..<200 {
            var bytes = original
            let digits = bytes.indices.filter { (0x30...0x39).contains(bytes[$0]) }
            for _ in 0..<Int.random(in: 1...2, using: &generator) {
                bytes[digits.randomElement(using: &generator)!] = UInt8.random(in: 0x30...0x39, using: &generator)
            }
            do {
                let configuration = try EncoderConfiguration(json: Data(bytes))
                _ = try MergeEncoderModel(configuration: configuration, weights: weights)
            } catch is EncoderError {
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
    }
}
