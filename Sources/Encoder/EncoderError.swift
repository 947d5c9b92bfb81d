import Foundation

/// Everything that can go wrong while loading or running the encoder.
///
/// Loading never traps on a bad file: every size, offset and shape is checked first and a failure
/// surfaces as one of these cases, whose description says what happened and what to do about it.
public enum EncoderError: Error, Equatable, Sendable {
    /// The file could not be read at all (missing, unreadable, a directory).
    case unreadableFile(path: String, reason: String)
    /// The file ends before the data its header promises.
    case truncatedFile(path: String, expectedBytes: Int, actualBytes: Int)
    /// The JSON header of a safetensors file is not what the format requires.
    case malformedHeader(path: String, reason: String)
    /// A tensor is stored in a type this reader does not convert.
    case unsupportedDataType(path: String, tensor: String, dataType: String)
    /// A tensor's byte range lies outside the data section, overlaps another, or disagrees with its shape.
    case invalidTensorLayout(path: String, tensor: String, reason: String)
    /// A tensor the configuration requires is absent from the weights.
    case missingTensor(path: String, tensor: String)
    /// A tensor exists but its shape is not the one the configuration implies.
    case shapeMismatch(path: String, tensor: String, expected: [Int], found: [Int])
    /// `config.json` is missing a field, has a wrong value, or describes an impossible architecture.
    case invalidConfiguration(reason: String)
    /// An input handed to the model breaks its contract (count of sequences, lengths, id ranges).
    case invalidInput(example: Int, reason: String)
}

extension EncoderError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "cannot read \(path): \(reason). Check that the model directory holds config.json and model.safetensors and that they are readable."
        case let .truncatedFile(path, expected, actual):
            return "\(path) is truncated: it needs at least \(expected) bytes but has \(actual). Re-export or re-download the weights."
        case let .malformedHeader(path, reason):
            return "\(path) is not a valid safetensors file: \(reason). Re-export it with the safetensors library (training/export)."
        case let .unsupportedDataType(path, tensor, dataType):
            return "\(path): tensor '\(tensor)' has data type \(dataType); only F32, F16 and BF16 are supported. Export the weights as float32 or float16."
        case let .invalidTensorLayout(path, tensor, reason):
            return "\(path): tensor '\(tensor)' has an invalid layout: \(reason). The file is corrupt; re-export it."
        case let .missingTensor(path, tensor):
            return "\(path) has no tensor '\(tensor)', which config.json requires. Check that config.json and the weights come from the same export."
        case let .shapeMismatch(path, tensor, expected, found):
            return "\(path): tensor '\(tensor)' has shape \(found) but config.json implies \(expected). Check that config.json and the weights come from the same export."
        case let .invalidConfiguration(reason):
            return "invalid encoder configuration: \(reason). Fix config.json (see training/README.md for the fields)."
        case let .invalidInput(example, reason):
            return "invalid encoder input for example \(example): \(reason). This is a bug in the featurizer."
        }
    }

    public var errorDescription: String? { description }
}
