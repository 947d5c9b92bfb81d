import MergeCore
import Resolver

/// Counts for one tool over a set of regions, and the three rates of DESIGN.md ("Measuring quality").
public struct ToolScore: Sendable, Codable, Hashable {
    public var resolved = 0
    /// Equal to the developer's resolution ignoring whitespace (the MergeBERT paper's metric).
    public var correct = 0
    /// Byte-for-byte equal.
    public var correctExact = 0
    /// Regions scored (located ones).
    public var regions = 0

    public var precision: Double { resolved == 0 ? 0 : Double(correct) / Double(resolved) }
    public var accuracy: Double { regions == 0 ? 0 : Double(correct) / Double(regions) }
    public var coverage: Double { regions == 0 ? 0 : Double(resolved) / Double(regions) }

    public init() {}

    mutating func record(suggestion: [UInt8]?, developer: [UInt8]) {
        regions += 1
        guard let suggestion else { return }
        resolved += 1
        if suggestion == developer { correctExact += 1 }
        if Reproduction.reproduces(suggestion, developer) { correct += 1 }
    }

    enum CodingKeys: String, CodingKey {
        case resolved, correct, regions, precision, accuracy, coverage
        case correctExact = "correct_exact"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        resolved = try container.decode(Int.self, forKey: .resolved)
        correct = try container.decode(Int.self, forKey: .correct)
        correctExact = try container.decode(Int.self, forKey: .correctExact)
        regions = try container.decode(Int.self, forKey: .regions)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(resolved, forKey: .resolved)
        try container.encode(correct, forKey: .correct)
        try container.encode(correctExact, forKey: .correctExact)
        try container.encode(regions, forKey: .regions)
        // Precision of nothing resolved is undefined, not 0%.
        if resolved == 0 { try container.encodeNil(forKey: .precision) } else { try container.encode(precision, forKey: .precision) }
        try container.encode(accuracy, forKey: .accuracy)
        try container.encode(coverage, forKey: .coverage)
    }
}

/// The tools `eval` scores on the same regions: the resolver and the baselines any model must beat.
public enum Tool: String, Sendable, CaseIterable, Codable {
    case mergebert
    case takeOurs = "take_ours"
    case takeTheirs = "take_theirs"
    case tokenMerge = "token_merge"
    case tokenMergeElseOurs = "token_merge_else_ours"
    case git

    /// What this tool puts in `region` (nil: leaves it conflicted).
    func suggestion(for region: LocatedRegion, tokenMerge: [UInt8]?) -> [UInt8]? {
        switch self {
        case .mergebert: region.suggestion
        case .takeOurs: region.ours
        case .takeTheirs: region.theirs
        case .tokenMerge: tokenMerge
        case .tokenMergeElseOurs: tokenMerge ?? region.ours
        case .git: nil
        }
    }
}
