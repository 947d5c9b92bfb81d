import Foundation

/// A safetensors file whose header has been fully validated.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON (possibly padded with spaces),
/// then the raw little-endian row-major tensor data. The header maps each tensor name to its dtype,
/// shape and `data_offsets` (relative to the start of the data); tensors are not stored in key order,
/// so the offsets are the only truth. After `init` succeeds every tensor's byte range is known to lie
/// inside the file and to match its shape, so later reads need no further checks.
public struct SafeTensors: Sendable {
    /// The location and type of one tensor.
    public struct TensorInfo: Sendable, Equatable {
        public let name: String
        public let dataType: DataType
        public let shape: [Int]
        /// Byte range within the whole file (not relative to the data section).
        public let byteRange: Range<Int>

        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Element types of the format. Only the floating types convert to Float.
    public enum DataType: String, Sendable, CaseIterable {
        case bool = "BOOL", unsigned8 = "U8", signed8 = "I8"
        case float8E5M2 = "F8_E5M2", float8E4M3 = "F8_E4M3"
        case signed16 = "I16", unsigned16 = "U16", float16 = "F16", bfloat16 = "BF16"
        case signed32 = "I32", unsigned32 = "U32", float32 = "F32"
        case float64 = "F64", signed64 = "I64", unsigned64 = "U64"

        public var byteSize: Int {
            switch self {
            case .bool, .unsigned8, .signed8, .float8E5M2, .float8E4M3: return 1
            case .signed16, .unsigned16, .float16, .bfloat16: return 2
            case .signed32, .unsigned32, .float32: return 4
            case .float64, .signed64, .unsigned64: return 8
            }
        }
    }

    /// The largest header accepted, as in the reference implementation; it bounds JSON parsing work.
    public static let maximumHeaderLength = 100_000_000

    /// The whole file, memory-mapped when it came from disk.
    public let data: Data
    /// Where the file came from, for error messages.
    public let source: String
    public let tensors: [String: TensorInfo]
    /// The optional `__metadata__` string map.
    public let metadata: [String: String]

    /// Maps the file into memory (no copy) and validates its header.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw EncoderError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        try self.init(data: data, source: url.path)
    }

    /// Validates a safetensors image held in memory.
    public init(data: Data, source: String = "<memory>") throws {
        self.data = data
        self.source = source
        let fileLength = data.count
        guard fileLength >= 8 else {
            throw EncoderError.truncatedFile(path: source, expectedBytes: 8, actualBytes: fileLength)
        }
        let declaredLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard declaredLength <= UInt64(Self.maximumHeaderLength) else {
            throw EncoderError.malformedHeader(path: source, reason: "header length \(declaredLength) exceeds the limit of \(Self.maximumHeaderLength) bytes")
        }
        let headerLength = Int(declaredLength)
        guard headerLength <= fileLength - 8 else {
            throw EncoderError.truncatedFile(path: source, expectedBytes: 8 + headerLength, actualBytes: fileLength)
        }
        let dataStart = 8 + headerLength
        let dataLength = fileLength - dataStart
        let headerBytes = data.subdata(in: data.startIndex + 8 ..< data.startIndex + dataStart)

        let header: RawHeader
        do {
            header = try JSONDecoder().decode(RawHeader.self, from: headerBytes)
        } catch {
            throw EncoderError.malformedHeader(path: source, reason: "the JSON header does not parse (\(Self.explain(error)))")
        }

        var tensors: [String: TensorInfo] = [:]
        for (name, entry) in header.entries {
            guard let dataType = DataType(rawValue: entry.dtype) else {
                throw EncoderError.malformedHeader(path: source, reason: "tensor '\(name)' has unknown dtype '\(entry.dtype)'")
            }
            var elementCount = 1
            for dimension in entry.shape {
                guard dimension >= 0 else {
                    throw EncoderError.invalidTensorLayout(path: source, tensor: name, reason: "negative dimension in shape \(entry.shape)")
                }
                let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
                guard !overflow else {
                    throw EncoderError.invalidTensorLayout(path: source, tensor: name, reason: "shape \(entry.shape) is too large")
                }
                elementCount = product
            }
            let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dataType.byteSize)
            guard !overflow else {
                throw EncoderError.invalidTensorLayout(path: source, tensor: name, reason: "shape \(entry.shape) is too large")
            }
            guard entry.dataOffsets.count == 2 else {
                throw EncoderError.invalidTensorLayout(path: source, tensor: name, reason: "data_offsets must hold two numbers, found \(entry.dataOffsets)")
            }
            let begin = entry.dataOffsets[0], end = entry.dataOffsets[1]
            guard begin >= 0, begin <= end else {
                throw EncoderError.invalidTensorLayout(path: source, tensor: name, reason: "data_offsets \(entry.dataOffsets) are not an increasing pair of non-negative numbers")
            }
            guard end <= dataLength else {
                throw EncoderError.truncatedFile(path: source, expectedBytes: dataStart + end, actualBytes: fileLength)
            }
            guard end - begin == byteCount else {
                throw EncoderError.invalidTensorLayout(path: source, tensor: name, reason: "data_offsets \(entry.dataOffsets) span \(end - begin) bytes but shape \(entry.shape) of \(dataType.rawValue) needs \(byteCount)")
            }
            tensors[name] = TensorInfo(name: name, dataType: dataType, shape: entry.shape,
                                       byteRange: dataStart + begin ..< dataStart + end)
        }

        // Overlapping tensors cannot come from a correct writer; aliasing would hide corruption.
        let ordered = tensors.values.filter { !$0.byteRange.isEmpty }.sorted { $0.byteRange.lowerBound < $1.byteRange.lowerBound }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where next.byteRange.lowerBound < previous.byteRange.upperBound {
            throw EncoderError.invalidTensorLayout(path: source, tensor: next.name, reason: "its bytes overlap tensor '\(previous.name)'")
        }
        self.tensors = tensors
        self.metadata = header.metadata
    }

    /// The tensor's info, or `missingTensor`.
    public func info(_ name: String) throws -> TensorInfo {
        guard let info = tensors[name] else {
            throw EncoderError.missingTensor(path: source, tensor: name)
        }
        return info
    }

    /// A copy of a floating-point tensor's values as Float (F16 and BF16 are widened).
    public func floats(_ name: String) throws -> [Float] {
        let info = try info(name)
        guard info.elementCount > 0 else {
            guard [.float32, .float16, .bfloat16].contains(info.dataType) else {
                throw EncoderError.unsupportedDataType(path: source, tensor: name, dataType: info.dataType.rawValue)
            }
            return []
        }
        return try [Float](unsafeUninitializedCapacity: info.elementCount) { buffer, count in
            try convert(info, into: buffer.baseAddress!)
            count = info.elementCount
        }
    }

    /// Widens a floating-point tensor into `destination`, which must hold `elementCount` floats.
    func convert(_ info: TensorInfo, into destination: UnsafeMutablePointer<Float>) throws {
        let count = info.elementCount
        try data.withUnsafeBytes { file in
            let bytes = UnsafeRawBufferPointer(rebasing: file[info.byteRange])
            switch info.dataType {
            case .float32:
                for index in 0..<count {
                    destination[index] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)))
                }
            case .float16:
                for index in 0..<count {
                    destination[index] = HalfPrecision.float(fromHalf: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self)))
                }
            case .bfloat16:
                for index in 0..<count {
                    destination[index] = HalfPrecision.float(fromBrain: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self)))
                }
            default:
                throw EncoderError.unsupportedDataType(path: source, tensor: info.name, dataType: info.dataType.rawValue)
            }
        }
    }

    private static func explain(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case let .keyNotFound(key, context):
            return "missing field '\(key.stringValue)' at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "at '\(path)': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// The header JSON: tensor entries plus the optional string map `__metadata__`.
private struct RawHeader: Decodable {
    struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    var entries: [String: Entry] = [:]
    var metadata: [String: String] = [:]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                entries[key.stringValue] = try container.decode(Entry.self, forKey: key)
            }
        }
    }
}
