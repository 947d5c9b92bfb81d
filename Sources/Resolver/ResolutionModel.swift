import Encoder
import Foundation
import MergeCore

/// A shipped model directory ready for the resolver: the encoder, the featurizer its inputs need, and the
/// decision policy (thresholds per kind of candidate) calibrated on validation repositories.
///
/// Its labels are the nine patterns in order, optionally followed by `TOKEN` ("keep the token-level
/// result": a model with it also decides whole regions) and then `OTHER` ("none of these": never
/// chosen, it only takes probability away from wrong answers).
public final class ResolutionModel: Sendable {
    public let encoder: MergeEncoderModel
    public let featurizer: Featurizer
    public let directory: URL
    /// The calibrated thresholds of `decision.json`.
    public let policy: DecisionPolicy
    /// Whether the model has the region-level `TOKEN` output.
    public let decidesRegions: Bool
    /// The index of the `TOKEN` output, when there is one.
    public let tokenOutput: Int?
    /// The ranking model of `ranker.json`, when the directory has one: it scores the region's candidate
    /// texts from their features, the region's side features and the encoder's probability of each text,
    /// and its probabilities are what the policy thresholds.
    public let ranker: CandidateRanker?
    /// Whether the ranker reads what the file's other regions say (`FileContext`): only then is it computed.
    public var readsFileContext: Bool { ranker?.regionFeatures.contains { $0.hasPrefix(FileContext.prefix) } ?? false }

    /// The file name of the ranking model in a model directory.
    public static let rankerFile = "ranker.json"

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
        let patterns = ResolutionPattern.allCases.map(\.rawValue)
        let accepted = [patterns, patterns + [Self.tokenLabel], patterns + [Self.tokenLabel, Self.otherLabel]]
        guard accepted.contains(labels) else {
            throw LoadError.unusable(directory, "its labels \(labels) are not the nine patterns (plus TOKEN, plus OTHER)")
        }
        tokenOutput = labels.firstIndex(of: Self.tokenLabel)
        decidesRegions = tokenOutput != nil
        let size = (encoder.configuration.vocabularySize, encoder.configuration.maximumLength)
        if let problem = Featurizer.unusable(vocabularySize: size.0, maximumLength: size.1) { throw LoadError.unusable(directory, problem) }
        let features = encoder.configuration.features
        if let unknown = features.first(where: { !SideFeatures.isKnown($0) }) {
            throw LoadError.unusable(directory, "config.json names the side feature '\(unknown)', which this version does not compute; use a model exported for it")
        }
        featurizer = Featurizer(vocabularySize: size.0, maximumLength: size.1, featureNames: features)
        let rankerURL = directory.appendingPathComponent(Self.rankerFile)
        if manager.fileExists(atPath: rankerURL.path) {
            guard decidesRegions else { throw LoadError.unusable(directory, "its ranker needs the encoder's region outputs (the TOKEN label)") }
            let loaded: CandidateRanker
            do {
                loaded = try CandidateRanker(contentsOf: rankerURL)
            } catch {
                throw LoadError.unusable(directory, "\(error)")
            }
            let known = Set(CandidateTexts.featureNames + [CandidateTexts.encoderProbability])
            if let unknown = loaded.candidateFeatures.first(where: { !known.contains($0) }) ?? loaded.regionFeatures.first(where: { !SideFeatures.isKnown($0) && !FileContext.isKnown($0) }) {
                throw LoadError.unusable(directory, "ranker.json names the feature '\(unknown)', which this version does not compute; use a model exported for it")
            }
            ranker = loaded
        } else {
            ranker = nil
        }
        do {
            policy = try DecisionPolicy.load(directory.appendingPathComponent("decision.json"))
        } catch {
            throw LoadError.unusable(directory, error.description)
        }
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
