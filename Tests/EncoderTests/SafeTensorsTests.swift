import Foundation
import Testing
@testable import Encoder

/// The safetensors reader on valid files and on each kind of broken one.
@Suite struct SafeTensorsTests {
    /// A file image from a raw header string and data bytes.
    static func image(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
        var image = Data()
        let json = Data(header.utf8)
        withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { image.append(contentsOf: $0) }
        image.append(json)
        image.append(contentsOf: data)
        return image
    }

    static func error(_ body: () throws -> Void) -> EncoderError? {
        do {
            try body()
            return nil
        } catch let error as EncoderError {
            return error
        } catch {
            Issue.record("untyped error \(error)")
            return nil
        }
    }

    @Test func writerRoundTripsEveryFloatType() throws {
        var writer = SafeTensorsWriter()
        writer.add("zeta", shape: [2, 3], values: [1, -2, 3.5, 0, 1e-3, 65504])
        writer.add("alpha", shape: [3], values: [0.5, -0.25, 2], as: .float16)
        writer.add("middle", shape: [2], values: [1.5, -3], as: .bfloat16)
        writer.add("empty", shape: [0, 4], values: [])
        writer.metadata = ["format": "pt"]
        let file = try SafeTensors(data: writer.serialized())
        #expect(try file.floats("zeta") == [1, -2, 3.5, 0, 1e-3, 65504])
        #expect(try file.floats("alpha") == [0.5, -0.25, 2])
        #expect(try file.floats("middle") == [1.5, -3])
        #expect(try file.floats("empty") == [])
        #expect(try file.info("zeta").shape == [2, 3])
        #expect(file.metadata == ["format": "pt"])
        // Header keys are sorted but data is in insertion order: offsets, not key order, locate data.
        #expect(try file.info("zeta").byteRange.lowerBound < file.info("alpha").byteRange.lowerBound)
    }

    @Test func readsTheReferenceWriterOutput() throws {
        let file = try SafeTensors(contentsOf: Fixtures.directory("tiny").appendingPathComponent("model.safetensors"))
        #expect(file.metadata["fixture"] == "tiny")
        #expect(try file.info("embeddings.token.weight").shape == [64, 32])
        #expect(try file.info("sequence_weights").dataType == .float32)
        let halves = try SafeTensors(contentsOf: Fixtures.directory("tiny-post-f16").appendingPathComponent("model.safetensors"))
        #expect(try halves.info("classifier.weight").dataType == .float16)
        #expect(try halves.floats("classifier.weight").count == 9 * 32)
    }

    @Test func halfPrecisionConversionIsExactForEveryBitPattern() {
        for bits in 0...UInt16.max {
            let converted = HalfPrecision.float(fromHalf: bits)
            #if !(os(macOS) && arch(x86_64))
            let reference = Float(Float16(bitPattern: bits))
            if reference.isNaN {
                #expect(converted.isNaN)
            } else {
                #expect(converted.bitPattern == reference.bitPattern, "bits \(bits)")
            }
            #endif
            if !converted.isNaN {
                #expect(HalfPrecision.half(from: converted) == bits, "round trip of \(bits)")
            }
        }
        // Rounding to nearest even, overflow to infinity.
        #expect(HalfPrecision.half(from: 1 + 0x1p-11) == 0x3C00)
        #expect(HalfPrecision.half(from: 1 + 0x1p-11 + 0x1p-20) == 0x3C01)
        #expect(HalfPrecision.half(from: 70000) == 0x7C00)
        #expect(HalfPrecision.float(fromBrain: 0x3FC0) == 1.5)
    }

    @Test func rejectsShortFiles() {
        #expect(Self.error { _ = try SafeTensors(data: Data([1, 2, 3])) } == .truncatedFile(path: "<memory>", expectedBytes: 8, actualBytes: 3))
        let declaredTooLong = Self.image(header: "{}", declaredLength: 100)
        #expect(Self.error { _ = try SafeTensors(data: declaredTooLong) } == .truncatedFile(path: "<memory>", expectedBytes: 108, actualBytes: 10))
    }

    @Test func rejectsAbsurdHeaderLengths() {
        for length in [UInt64.max, UInt64(Int.max), 1 << 40] {
            guard case .malformedHeader = Self.error({ _ = try SafeTensors(data: Self.image(header: "{}", declaredLength: length)) }) else {
                Issue.record("length \(length) accepted")
                continue
            }
        }
    }

    @Test(arguments: [
        "not json",
        "[1, 2]",
        #"{"t": {"dtype": "F32", "shape": [1]}}"#,
        #"{"t": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#,
        #"{"t": {"dtype": "F32", "shape": [1e30], "data_offsets": [0, 4]}}"#,
        #"{"t": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}}"#,
        #"{"__metadata__": {"n": 1}}"#,
        #"{"t": 5}"#,
    ])
    func rejectsMalformedHeaders(header: String) {
        guard case .malformedHeader = Self.error({ _ = try SafeTensors(data: Self.image(header: header, data: [0, 0, 0, 0])) }) else {
            Issue.record("accepted \(header)")
            return
        }
    }

    @Test(arguments: [
        #"{"t": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#,
        #"{"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}"#,
        #"{"t": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#,
        #"{"t": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}"#,
        #"{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}}"#,
        #"{"t": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}}"#,
        #"{"t": {"dtype": "F64", "shape": [1152921504606846976], "data_offsets": [0, 8]}}"#,
        #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#,
    ])
    func rejectsInconsistentLayouts(header: String) {
        guard case .invalidTensorLayout = Self.error({ _ = try SafeTensors(data: Self.image(header: header, data: [UInt8](repeating: 0, count: 8))) }) else {
            Issue.record("accepted \(header)")
            return
        }
    }

    @Test func rejectsDataBeyondTheEndOfTheFile() {
        let header = #"{"t": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#
        guard case .truncatedFile = Self.error({ _ = try SafeTensors(data: Self.image(header: header, data: [UInt8](repeating: 0, count: 15))) }) else {
            Issue.record("truncated data accepted")
            return
        }
    }

    @Test func refusesToConvertNonFloatTensors() throws {
        let header = #"{"ids": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}}"#
        let file = try SafeTensors(data: Self.image(header: header, data: [UInt8](repeating: 0, count: 8)))
        #expect(Self.error { _ = try file.floats("ids") } == .unsupportedDataType(path: "<memory>", tensor: "ids", dataType: "I64"))
        #expect(Self.error { _ = try file.floats("nothing") } == .missingTensor(path: "<memory>", tensor: "nothing"))
    }

    @Test func missingFilesReportTheirPath() {
        let url = URL(fileURLWithPath: "/nonexistent/model.safetensors")
        guard case let .unreadableFile(path, _) = Self.error({ _ = try SafeTensors(contentsOf: url) }) else {
            Issue.record("no unreadableFile error")
            return
        }
        #expect(path == url.path)
        guard case .unreadableFile = Self.error({ _ = try MergeEncoderModel(directory: URL(fileURLWithPath: "/nonexistent")) }) else {
            Issue.record("no unreadableFile error for a missing directory")
            return
        }
    }

    /// Rewrites the tiny model with extra header padding so the data starts at an odd offset.
    static func misalignedTinyModel() throws -> Data {
        let original = try Fixtures.tinyWeights()
        let headerLength = Int(original.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        var image = Data()
        withUnsafeBytes(of: UInt64(headerLength + 1).littleEndian) { image.append(contentsOf: $0) }
        image.append(original[8 ..< 8 + headerLength])
        image.append(0x20)
        image.append(original[(8 + headerLength)...])
        return image
    }

    @Test func misalignedFloat32DataIsCopiedAndStillCorrect() throws {
        let model = try MergeEncoderModel(configuration: Fixtures.tinyConfiguration(), weights: SafeTensors(data: Self.misalignedTinyModel()))
        #expect(model.copiedTensorCount > 0)
        let golden = try Fixtures.golden(in: Fixtures.directory("tiny"))
        for (example, logits) in zip(golden.examples, try model.logits(golden.examples.map(\.input))) {
            #expect(Fixtures.largestDifference(logits, example.logits) < golden.tolerance)
        }
    }

    @Test func modelRejectsMissingAndMisshapenTensors() throws {
        let configuration = try Fixtures.tinyConfiguration()
        let file = try SafeTensors(data: Fixtures.tinyWeights())
        var writer = SafeTensorsWriter()
        for (name, info) in file.tensors where name != "layers.1.feed_forward.up.bias" {
            writer.add(name, shape: info.shape, values: try file.floats(name))
        }
        let missing = try SafeTensors(data: writer.serialized())
        #expect(Self.error { _ = try MergeEncoderModel(configuration: configuration, weights: missing) }
                == .missingTensor(path: "<memory>", tensor: "layers.1.feed_forward.up.bias"))

        var wider = configuration
        wider.vocabularySize = 65
        #expect(Self.error { _ = try MergeEncoderModel(configuration: wider, weights: file) }
                == .shapeMismatch(path: "<memory>", tensor: "embeddings.token.weight", expected: [65, 32], found: [64, 32]))

        var post = configuration
        post.normPlacement = .post
        #expect(Self.error { _ = try MergeEncoderModel(configuration: post, weights: file) }
                == .missingTensor(path: "<memory>", tensor: "embeddings.norm.weight"))
    }

    @Test func errorMessagesSayWhatToDo() {
        let error = EncoderError.truncatedFile(path: "models/model.safetensors", expectedBytes: 100, actualBytes: 10)
        #expect(error.description.contains("models/model.safetensors"))
        #expect(error.description.contains("Re-export"))
        #expect(EncoderError.invalidConfiguration(reason: "x").localizedDescription.contains("config.json"))
    }
}
