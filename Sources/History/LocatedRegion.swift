import GitBridge
import MergeCore
import Resolver

/// One conflicting region of a replayed merge, with the developer's resolution when it could be located.
public struct LocatedRegion: Sendable {
    public let commit: String
    public let path: String
    public let language: SourceLanguage
    /// 0-based position of the region in its file.
    public let index: Int
    public let base: [UInt8]
    public let ours: [UInt8]
    public let theirs: [UInt8]
    /// The developer's text for the region; nil when its bookends were not found exactly once.
    public let developer: [UInt8]?
    /// What the resolver (exactly as the driver runs it) decided for this region; nil when it did not look
    /// at it (token merge off, a lock file).
    public let outcome: RegionResolver.Outcome?
    /// Stable identity of the (A, O, B) content, for deduplication.
    public let key: String

    /// What the resolver put in this region; nil when it left it.
    public var suggestion: [UInt8]? { outcome?.text }

    /// Language name for reports: the language for code, one shared name for everything else.
    public var languageGroup: String { language.isCode ? language.name : "non-code" }

    /// The token-level merge of the region's three sides.
    public func tokenMerge() -> TokenMerge {
        let tokenizer = Tokenizer(language: language)
        return TokenMerge(base: tokenizer.tokenize(base), ours: tokenizer.tokenize(ours), theirs: tokenizer.tokenize(theirs))
    }
}

/// Walks a repository's merges and hands out every region of every conflicted text file.
public struct RegionScanner {
    public var selection: HistorySelection
    public var resolverOptions: ResolverOptions

    /// Totals of a scan.
    public struct Totals: Sendable {
        public var mergesReplayed = 0
        public var mergesWithConflicts = 0
        public var files = 0
        public var skipped: [String: Int] = [:]
    }

    public init(selection: HistorySelection, resolverOptions: ResolverOptions = ResolverOptions()) {
        self.selection = selection
        self.resolverOptions = resolverOptions
    }

    /// Calls `body` with each region, in history order; `progress` gets (merges done, merges total).
    public func scan(repository: Repository, progress: ((Int, Int) -> Void)? = nil,
                     _ body: (LocatedRegion, ReplayedMerge) throws -> Void) throws -> Totals {
        let history = MergeHistory(repository: repository)
        history.onProgress = progress
        var totals = Totals()
        try history.replay(selection) { merge in
            if merge.hadConflicts { totals.mergesWithConflicts += 1 }
            for file in merge.files {
                totals.files += 1
                var options = resolverOptions
                options.path = file.path
                let resolution = try Resolver(options: options).resolve(base: file.base, ours: file.ours, theirs: file.theirs)
                if let skipped = resolution.report.skipped {
                    totals.skipped[skipped, default: 0] += 1
                    continue
                }
                let lineMerge = LineMerge(base: file.base, ours: file.ours, theirs: file.theirs, flavor: resolverOptions.flavor)
                let locator = ResolutionLocator(lineMerge)
                let resolvedLines = splitLines(file.resolved)
                let language = SourceLanguage.forPath(file.path)
                for (index, region) in lineMerge.regions.enumerated() {
                    try body(LocatedRegion(commit: merge.commit, path: file.path, language: language, index: index,
                                           base: region.base, ours: region.ours, theirs: region.theirs,
                                           developer: locator.resolution(ofRegion: index, in: resolvedLines),
                                           outcome: resolution.regionOutcomes[index],
                                           key: contentKey(region.ours, region.base, region.theirs)), merge)
                }
            }
            return true
        }
        totals.mergesReplayed = history.mergesReplayed
        for (reason, count) in history.skipped { totals.skipped[reason.rawValue, default: 0] += count }
        return totals
    }
}

/// A stable digest of byte strings (each followed by a separator and its length), as 16 hex digits (the same on every machine and run).
public func contentKey(_ parts: [UInt8]...) -> String {
    var hash = StableHash()
    for part in parts {
        hash.combine(part)
        hash.combine(0xFF)
        hash.combine(UInt8(part.count & 0xFF))
    }
    let hex = String(hash.value, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
