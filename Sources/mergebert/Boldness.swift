import Foundation
import GitBridge

/// How bold resolution is, decided in one place for every command, with where each setting came from.
///
/// Mode: `MERGEBERT=0` or `mergebert.enabled=false` mean `off`; then `--no-model`, `MERGEBERT_MODE`,
/// `git config mergebert.mode`. Threshold: `--threshold`, `MERGEBERT_THRESHOLD`, `git config
/// mergebert.threshold`, else the model's calibrated thresholds (one per kind of candidate; one given value replaces them all). Values that cannot be used are reported
/// and ignored, never guessed at.
struct Boldness {
    /// `off`: git's merge; `token`: clean token merges only (no model); `model`: the model decides.
    enum Mode: String, CaseIterable {
        case off, token, model
    }

    var mode: Mode = .model
    var modeOrigin = "default"
    /// nil: the model's calibrated thresholds.
    var threshold: Double?
    var thresholdOrigin = Self.calibratedOrigin
    static let calibratedOrigin = "the model's, one per kind of candidate"
    /// Settings that were ignored, one line each.
    var warnings: [String] = []

    init(thresholdFlag: Double? = nil, noModel: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment,
         git: GitSettings) {
        if environment["MERGEBERT"] == "0" {
            (mode, modeOrigin) = (.off, "MERGEBERT=0")
        } else if let enabled = git.enabled, ["false", "no", "off", "0"].contains(enabled.lowercased()) {
            (mode, modeOrigin) = (.off, "git config mergebert.enabled=\(enabled)")
        } else if noModel {
            (mode, modeOrigin) = (.token, "--no-model")
        } else if let value = environment["MERGEBERT_MODE"], !value.isEmpty {
            apply(mode: value, origin: "MERGEBERT_MODE")
        } else if let value = git.mode {
            apply(mode: value, origin: "git config mergebert.mode")
        }
        if let thresholdFlag {
            (threshold, thresholdOrigin) = (thresholdFlag, "--threshold")
        } else if let value = environment["MERGEBERT_THRESHOLD"], !value.isEmpty {
            apply(threshold: value, origin: "MERGEBERT_THRESHOLD")
        }
        if threshold == nil, thresholdOrigin == Self.calibratedOrigin, let value = git.threshold {
            apply(threshold: value, origin: "git config mergebert.threshold")
        }
    }

    private mutating func apply(mode value: String, origin: String) {
        if let parsed = Mode(rawValue: value.lowercased()) {
            (mode, modeOrigin) = (parsed, "\(origin)=\(value)")
        } else {
            warnings.append("\(origin)=\(value) is not one of off, token, model; ignored")
        }
    }

    private mutating func apply(threshold value: String, origin: String) {
        if let parsed = Self.probability(value) {
            (threshold, thresholdOrigin) = (parsed, "\(origin)=\(value)")
        } else {
            warnings.append("\(origin)=\(value) is not a probability between 0 and 1; ignored")
        }
    }

    static func probability(_ text: String) -> Double? {
        guard let value = Double(text), (0...1).contains(value) else { return nil }
        return value
    }

    /// One line for `doctor` and `--explain`.
    var summary: String {
        "mode \(mode.rawValue) (\(modeOrigin)); threshold "
            + (threshold.map { String(format: "%.2f", $0) } ?? "calibrated") + " (\(thresholdOrigin))"
    }
}
