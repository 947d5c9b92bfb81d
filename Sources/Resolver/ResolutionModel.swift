import Encoder
import Foundation

/// A shipped model directory ready for the resolver: the encoder, the featurizer its inputs need, and the
/// confidence threshold calibrated on validation repositories.
///
/// Its labels are the nine patterns in order, optionally followed by `TOKEN` ("keep the token-level
/// result": a model with it also decides whole regions) and then `OTHER` ("none of these": never
/// chosen, it only takes probability away from wrong answers).
public final class ResolutionModel: Sendable {
    public let encoder: MergeEncoderModel
    public let featurizer: Featurizer
    public let directory: URL
    /// Resolve only when the chosen candidate's probability reaches this.
    public let defaultThreshold: Double
    /// Whether the model has the region-level `TOKEN` output.
    public let decidesRegions: Bool
    /// The index of the `TOKEN` output, when there is one.
    public let tokenOutput: Int?

    public static let tokenLabel = "TOKEN"
    public static let otherLabel = "OTHER"

    /// Why a model directory cannot be used.
    public enum LoadError: Error, CustomStringConvertible {
        case missing(URL)
        case unusable(URL, String)

        public var description: String {
            switch self {
            case .missing(let url):
                "no model at \(url.path) (config.json and model.safetensors); point --model or MERGEBERT_MODEL at the models/ folder"
            case .unusable(let url, let reason):
                "the model at \(url.path) cannot be used: \(reason); reinstall it, or set MERGEBERT=0 to merge without it"
            }
        }
    }

    public init(directory: URL) throws {
        self.directory = directory
        let manager = FileManager.default
        guard manager.fileExists(atPath: directory.appendingPathComponent("config.json").path),
              manager.fileExists(atPath: directory.appendingPathComponent("model.safetensors").path) else {
            throw LoadError.missing(directory)
        }
        do {
            encoder = try MergeEncoderModel(directory: directory)
        } catch {
            throw LoadError.unusable(directory, "\(error)")
        }
        let labels = encoder.configuration.labels
        let patterns = EncoderConfiguration.defaultLabels
        let accepted = [patterns, patterns + [Self.tokenLabel], patterns + [Self.tokenLabel, Self.otherLabel]]
        guard accepted.contains(labels) else {
            throw LoadError.unusable(directory, "its labels \(labels) are not the nine patterns (plus TOKEN, plus OTHER)")
        }
        tokenOutput = labels.firstIndex(of: Self.tokenLabel)
        decidesRegions = tokenOutput != nil
        let size = (encoder.configuration.vocabularySize, encoder.configuration.maximumLength)
        if let problem = Featurizer.unusable(vocabularySize: size.0, maximumLength: size.1) { throw LoadError.unusable(directory, problem) }
        featurizer = Featurizer(vocabularySize: size.0, maximumLength: size.1)
        defaultThreshold = try Self.calibratedThreshold(in: directory)
    }

    /// The threshold of `decision.json`: a number in (0, 1]. Anything else refuses the model, since a
    /// threshold of 0 (or a guess) would let it write every region.
    static func calibratedThreshold(in directory: URL) throws -> Double {
        let file = directory.appendingPathComponent("decision.json")
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw LoadError.unusable(directory, "decision.json is missing; it must hold {\"threshold\": P} with P in (0, 1]")
        }
        struct Decision: Decodable { let threshold: Double }
        guard let value = (try? JSONDecoder().decode(Decision.self, from: data))?.threshold else {
            throw LoadError.unusable(directory, "decision.json must be an object {\"threshold\": P} with P in (0, 1]")
        }
        guard value.isFinite, value > 0, value <= 1 else {
            throw LoadError.unusable(directory, "decision.json's threshold is \(value); it must be in (0, 1]")
        }
        return value
    }

    /// The first model directory found: `MERGEBERT_MODEL` (`none`: no model at all), then `models/` next to or
    /// above the executable (the build tree: `.build/release/mergebert` → `models/`), then `share/mergebert/models`
    /// of an install prefix.
    public static func discover(executable: String = RunningExecutable.path,
                                environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let configured = environment["MERGEBERT_MODEL"], !configured.isEmpty {
            return configured == "none" ? nil : URL(fileURLWithPath: configured)
        }
        let executableURL = URL(fileURLWithPath: executable).resolvingSymlinksInPath()
        var folder = executableURL.deletingLastPathComponent()
        for _ in 0..<5 {
            for candidate in [folder.appendingPathComponent("models"), folder.appendingPathComponent("share/mergebert/models")]
            where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("config.json").path) {
                return candidate
            }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }
}
