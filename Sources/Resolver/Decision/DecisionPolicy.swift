import Foundation

/// Turns a region's candidates into the one to write: the most probable text, when its probability reaches
/// the threshold of its family (the family of its most probable answer).
///
/// The thresholds come from the model's `decision.json`, chosen by `training/calibrate.py` on repositories
/// the model never saw, leaving one repository out at a time so that the precision it reports is what a new
/// repository gets. One threshold given by the user (`--threshold`, `MERGEBERT_THRESHOLD`,
/// `mergebert.threshold`) replaces all of them.
public struct DecisionPolicy: Sendable, Equatable {
    public var thresholds: [CandidateFamily: Double]

    public init(thresholds: [CandidateFamily: Double]) {
        self.thresholds = thresholds
    }

    /// The same threshold for every family.
    public init(threshold: Double) {
        thresholds = Dictionary(uniqueKeysWithValues: CandidateFamily.allCases.map { ($0, threshold) })
    }

    /// Without a model every candidate is a clean token merge at probability 1, always taken.
    public static let withoutModel = DecisionPolicy(threshold: 1)

    public func threshold(for family: CandidateFamily) -> Double { thresholds[family] ?? 1 }

    /// The best candidate (candidates come most probable first) and whether it clears its threshold.
    public func choose(_ candidates: [Candidate]) -> (candidate: Candidate, accepted: Bool)? {
        guard let best = candidates.first else { return nil }
        return (best, best.probability >= threshold(for: best.family))
    }

    /// In one line: `0.90`, or `token_merge 0.80, pattern 0.90, token_patterns 0.95`.
    public var summary: String {
        let values = CandidateFamily.allCases.map { threshold(for: $0) }
        if Set(values).count == 1 { return String(format: "%.2f", values[0]) }
        return CandidateFamily.allCases.map { "\($0.rawValue) \(String(format: "%.2f", threshold(for: $0)))" }.joined(separator: ", ")
    }

    /// Why a `decision.json` cannot be used.
    public struct FileError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads `decision.json`: `{"thresholds": {"token_merge": P, "pattern": P, "token_patterns": P,
    /// "one_side_of_clash": P, "side_holding_both_changes": P}}` or `{"threshold": P}`, every P in (0, 1].
    /// Anything else is refused, since a threshold of 0 (or a guess) would let the model write every region.
    /// A file from before a family gives it the threshold it applied then: `one_side_of_clash` the pattern
    /// threshold, `side_holding_both_changes` the token merge's.
    public static func load(_ file: URL) throws(FileError) -> DecisionPolicy {
        let shape = "it must hold {\"thresholds\": {\"token_merge\": P, \"pattern\": P, \"token_patterns\": P, \"one_side_of_clash\": P, \"side_holding_both_changes\": P}} or {\"threshold\": P} with P in (0, 1]"
        guard let data = FileManager.default.contents(atPath: file.path) else { throw FileError(description: "decision.json is missing; \(shape)") }
        struct Stored: Decodable {
            var threshold: Double?
            var thresholds: [String: Double]?
        }
        guard let stored = try? JSONDecoder().decode(Stored.self, from: data) else { throw FileError(description: "decision.json is not an object; \(shape)") }
        func checked(_ value: Double, _ name: String) throws(FileError) -> Double {
            guard value.isFinite, value > 0, value <= 1 else { throw FileError(description: "decision.json's \(name) is \(value); \(shape)") }
            return value
        }
        if let named = stored.thresholds {
            var thresholds: [CandidateFamily: Double] = [:]
            for (name, value) in named {
                guard let family = CandidateFamily(rawValue: name) else { throw FileError(description: "decision.json names the family \(name); \(shape)") }
                thresholds[family] = try checked(value, "threshold for \(name)")
            }
            if thresholds[.oneSideOfClash] == nil, let pattern = thresholds[.pattern] { thresholds[.oneSideOfClash] = pattern }
            if thresholds[.sideHoldingBothChanges] == nil, let merge = thresholds[.tokenMerge] { thresholds[.sideHoldingBothChanges] = merge }
            for family in CandidateFamily.allCases where thresholds[family] == nil {
                throw FileError(description: "decision.json has no threshold for \(family.rawValue); \(shape)")
            }
            return DecisionPolicy(thresholds: thresholds)
        }
        guard let single = stored.threshold else { throw FileError(description: "decision.json has no threshold; \(shape)") }
        return DecisionPolicy(threshold: try checked(single, "threshold"))
    }
}
