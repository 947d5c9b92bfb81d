import Foundation

/// Builds safetensors images from Float arrays, in F32, F16 or BF16.
///
/// The encoder only reads weights; this exists so that tests, fuzzing and the benchmark can produce
/// files in the exact format the PyTorch side writes (header padded to 8 bytes, data in insertion order).
public struct SafeTensorsWriter: Sendable {
    private struct Entry: Sendable {
        let name: String
        let shape: [Int]
        let values: [Float]
        let dataType: SafeTensors.DataType
    }

    private var entries: [Entry] = []
    public var metadata: [String: String] = [:]

    public init() {}

    /// Appends a tensor; `values.count` must equal the product of `shape`.
    public mutating func add(_ name: String, shape: [Int], values: [Float], as dataType: SafeTensors.DataType = .float32) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        precondition([.float32, .float16, .bfloat16].contains(dataType), "the writer stores floating types only")
        entries.append(Entry(name: name, shape: shape, values: values, dataType: dataType))
    }

    /// The complete file image.
    public func serialized() throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for entry in entries {
            let length = entry.values.count * entry.dataType.byteSize
            header[entry.name] = ["dtype": entry.dataType.rawValue, "shape": entry.shape, "data_offsets": [offset, offset + length]] as [String: Any]
            offset += length
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))

        var image = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { image.append(contentsOf: $0) }
        image.append(json)
        for entry in entries {
            switch entry.dataType {
            case .float16:
                let halves = entry.values.map { HalfPrecision.half(from: $0).littleEndian }
                halves.withUnsafeBytes { image.append(contentsOf: $0) }
            case .bfloat16:
                // Truncation is enough here: the writer serves tests and benchmarks, not training.
                let halves = entry.values.map { UInt16($0.bitPattern >> 16).littleEndian }
                halves.withUnsafeBytes { image.append(contentsOf: $0) }
            default:
                let words = entry.values.map { $0.bitPattern.littleEndian }
                words.withUnsafeBytes { image.append(contentsOf: $0) }
            }
        }
        return image
    }

    /// Writes the file atomically.
    public func write(to url: URL) throws {
        try serialized().write(to: url, options: .atomic)
    }
}
