import Foundation
import GitBridge
import MergeCore
import Resolver

/// One line of `mergebert mine`'s JSONL: a located region or one of its token conflicts, its labels, and
/// the model inputs the resolver's own featurizer builds. The schema is documented in training/README.md.
public struct MinedRecord: Sendable, Codable {
    /// `region` or `token_conflict`.
    public var kind: String
    public var repo: String
    public var commit: String
    public var path: String
    public var language: String
    public var region: Int
    /// Index of the token conflict within the region (token_conflict records only).
    public var conflict: Int?
    /// Patterns (`A` ... `BA-O`) whose result equals the developer's, ignoring whitespace; empty means OTHER.
    /// Region records also list `token_merge` when the clean token merge is right.
    public var labels: [String]
    /// Digest of the region's (A, O, B) content; token conflicts add their index.
    public var key: String
    /// Whether an earlier record (in this file) had the same key; training drops these.
    public var duplicate: Bool
    /// Region records: whether the token merge was clean, and how many token conflicts it left.
    public var tokenMergeClean: Bool?
    public var tokenConflicts: Int?
    /// Region records: patterns of each token conflict when all were located (token-level oracle).
    public var conflictLabels: [[String]]?
    /// The four sequences a|o, o|a, b|o, o|b.
    public var tokenIDs: [[Int32]]
    public var editTypes: [[Int32]]
    /// Every side feature (`SideFeatures`) that is not zero, by name: training reads these, never recomputes them.
    public var features: [String: Double]
    /// `lock_file` or `generated` when a tool writes the file (`RegeneratedFile`); absent otherwise.
    public var regenerated: String?
    /// Region records: the distinct region-level candidate texts (`CandidateTexts`), each with whether it
    /// reproduces the developer's resolution and its non-zero features, for training a ranker of texts.
    public var candidates: [MinedCandidate]?

    enum CodingKeys: String, CodingKey {
        case kind, repo, commit, path, language, region, conflict, labels, key, duplicate, features, candidates, regenerated
        case tokenMergeClean = "token_merge_clean", tokenConflicts = "token_conflicts", conflictLabels = "conflict_labels"
        case tokenIDs = "token_ids", editTypes = "edit_types"
    }
}

/// One candidate text of a mined region.
public struct MinedCandidate: Sendable, Codable {
    /// The kinds that write it (`token_merge`, `A`, `AB-O`, ...).
    public var kinds: [String]
    public var reproduces: Bool
    public var features: [String: Double]
}

/// Builds the training records of `mergebert mine` from a repository's history.
public struct Miner {
    public var scanner: RegionScanner
    public var featurizer: Featurizer

    public init(scanner: RegionScanner, featurizer: Featurizer) {
        self.scanner = scanner
        self.featurizer = featurizer
    }

    /// Totals of one mining run.
    public struct Summary: Sendable {
        public var totals: RegionScanner.Totals
        public var regions = 0
        public var regionsLocated = 0
        public var records = 0
        public var duplicates = 0
    }

    /// Calls `emit` with each record, deterministically, in history order.
    public func mine(repository: Repository, name: String, seenKeys: inout Set<String>, progress: ((RegionScanner.Progress) -> Void)? = nil,
                     emit: (MinedRecord) throws -> Void) throws -> Summary {
        var summary = Summary(totals: RegionScanner.Totals())
        var seen = seenKeys
        // A file's regions arrive one after another; they are held until the file is complete, since each
        // record carries what all of them say (`FileContext`, over every region, located or not).
        var file: [(region: LocatedRegion, tokenMerge: TokenMerge)] = []
        func flush() throws {
            defer { file = [] }
            guard let first = file.first else { return }
            let context = FileContext(regions: file.map(\.tokenMerge), language: first.region.language, featurizer: featurizer)
            for (region, tokenMerge) in file { try record(region, tokenMerge: tokenMerge, context: context) }
        }
        func record(_ region: LocatedRegion, tokenMerge: TokenMerge, context: FileContext) throws {
            guard let developer = region.developer else { return }
            summary.regionsLocated += 1
            let duplicate = !seen.insert(region.key).inserted
            if duplicate { summary.duplicates += 1 }

            let tokenizer = Tokenizer(language: region.language)
            let found = Reproduction.labels(of: tokenMerge, resolution: developer, tokenizer: tokenizer)
            let labels = (found.tokenMerge ? [CandidateKind.tokenMerge.name] : []) + found.patterns.map(\.rawValue)
            let conflictLabels = found.conflictPatterns?.map { $0.map(\.rawValue) }
            let facts = featurizer.regionFacts(of: tokenMerge, language: region.language)
            let regionInput = featurizer.views(base: tokenMerge.base, ours: tokenMerge.ours, theirs: tokenMerge.theirs)
            try emit(MinedRecord(kind: "region", repo: name, commit: region.commit, path: region.path, language: region.language.name,
                                 region: region.index, conflict: nil, labels: labels, key: region.key, duplicate: duplicate,
                                 tokenMergeClean: facts.tokenMergeClean, tokenConflicts: facts.tokenConflicts, conflictLabels: conflictLabels,
                                 tokenIDs: regionInput.tokenIDs, editTypes: regionInput.editTypes,
                                 features: SideFeatures.nonZero(input: regionInput, facts: facts).merging(context.features) { own, _ in own },
                                 regenerated: region.regenerated?.name,
                                 candidates: CandidateTexts.of(tokenMerge).map { candidate in
                                     MinedCandidate(kinds: candidate.kinds.map(\.name), reproduces: Reproduction.reproduces(candidate.text, developer),
                                                    features: candidate.features)
                                 }))
            summary.records += 1
            for (index, patterns) in (conflictLabels ?? []).enumerated() {
                let input = featurizer.views(of: tokenMerge, conflict: index)
                let conflictFacts = ConflictFacts(isRegion: false, language: region.language)
                try emit(MinedRecord(kind: "token_conflict", repo: name, commit: region.commit, path: region.path,
                                     language: region.language.name, region: region.index, conflict: index, labels: patterns,
                                     key: region.key + "-\(index)", duplicate: duplicate, tokenMergeClean: nil, tokenConflicts: nil,
                                     conflictLabels: nil, tokenIDs: input.tokenIDs, editTypes: input.editTypes,
                                     features: SideFeatures.nonZero(input: input, facts: conflictFacts), regenerated: region.regenerated?.name,
                                     candidates: nil))
                summary.records += 1
            }
        }
        summary.totals = try scanner.scan(repository: repository, progress: progress) { region, _ in
            summary.regions += 1
            if let first = file.first?.region, region.index == 0 || first.commit != region.commit || first.path != region.path { try flush() }
            file.append((region, region.tokenMerge()))
        }
        try flush()
        seenKeys = seen
        return summary
    }
}
