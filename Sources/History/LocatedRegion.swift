import Dispatch
import Foundation
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
    /// at it (token merge off, a lock or generated file).
    public let outcome: RegionResolver.Outcome?
    /// Stable identity of the (A, O, B) content, for deduplication.
    public let key: String
    /// Whether the file is one a tool writes (a lock file, generated code), which the resolver leaves to
    /// its generator: training leaves such regions out, since what a developer commits there is regenerated.
    public let regenerated: RegeneratedFile?

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
///
/// Merges are replayed and resolved on `jobs` threads, each with its own repository handle (libgit2
/// objects are not shared between threads), and handed to the caller in history order: the result does
/// not depend on the number of jobs.
public struct RegionScanner: Sendable {
    public var selection: HistorySelection
    public var resolverOptions: ResolverOptions
    /// Threads replaying merges; 1 replays on the calling thread.
    public var jobs: Int

    /// Totals of a scan.
    public struct Totals: Sendable {
        public var mergesReplayed = 0
        public var mergesWithConflicts = 0
        public var files = 0
        public var skipped: [String: Int] = [:]
    }

    /// How far a scan has come, for a progress line.
    public struct Progress: Sendable {
        public var mergesDone: Int
        public var mergesTotal: Int
        public var regions: Int
    }

    public init(selection: HistorySelection, resolverOptions: ResolverOptions = ResolverOptions(), jobs: Int = 1) {
        self.selection = selection
        self.resolverOptions = resolverOptions
        self.jobs = max(1, jobs)
    }

    /// One replayed merge and its regions, ready to hand out.
    struct ScannedMerge: Sendable {
        var merge: ReplayedMerge
        var regions: [LocatedRegion]
        var files = 0
        var skipped: [String: Int] = [:]
    }

    /// Calls `body` with each region, in history order.
    public func scan(repository: Repository, progress: ((Progress) -> Void)? = nil,
                     _ body: (LocatedRegion, ReplayedMerge) throws -> Void) throws -> Totals {
        let listing = MergeHistory(repository: repository)
        let merges = try listing.mergeCommits(selection)
        var totals = Totals()
        var regionsSoFar = 0
        let workers = try WorkerPool(jobs: min(jobs, max(1, merges.count)), gitDirectory: repository.gitDirectory, first: listing)
        var done = 0
        // Batches bound the memory held by finished merges waiting for a slow one before them.
        let batchSize = jobs == 1 ? 1 : 16 * jobs
        for batchStart in stride(from: 0, to: merges.count, by: batchSize) {
            let batch = Array(merges[batchStart..<min(merges.count, batchStart + batchSize)])
            let scanned = try workers.map(batch) { history, id in try scanMerge(id, history: history) }
            for item in scanned {
                done += 1
                defer { progress?(Progress(mergesDone: done, mergesTotal: merges.count, regions: regionsSoFar)) }
                guard let item else { continue }
                if item.merge.hadConflicts { totals.mergesWithConflicts += 1 }
                totals.files += item.files
                for (reason, count) in item.skipped { totals.skipped[reason, default: 0] += count }
                for region in item.regions {
                    regionsSoFar += 1
                    try body(region, item.merge)
                }
            }
        }
        if merges.isEmpty { progress?(Progress(mergesDone: 0, mergesTotal: 0, regions: 0)) }
        // The listing's own skips (octopus merges) are counted with the first worker, which is the listing.
        for history in workers.histories {
            totals.mergesReplayed += history.mergesReplayed
            for (reason, count) in history.skipped { totals.skipped[reason.rawValue, default: 0] += count }
        }
        return totals
    }

    /// The `skipped` reason of a file the merge commit holds with conflict markers in it.
    public static let committedWithMarkers = "committed_with_conflict_markers"

    /// Replays one merge and resolves each conflicted file as the driver would.
    func scanMerge(_ id: MergeCommitID, history: MergeHistory) throws -> ScannedMerge? {
        guard let merge = try history.replay(id) else { return nil }
        var scanned = ScannedMerge(merge: merge, regions: [])
        for file in merge.files {
            scanned.files += 1
            var options = resolverOptions
            options.path = file.path
            let resolution = try Resolver(options: options).resolve(base: file.base, ours: file.ours, theirs: file.theirs)
            if let skipped = resolution.report.skipped {
                scanned.skipped[skipped, default: 0] += 1
                continue
            }
            // A developer who committed git's markers left the file unresolved: nothing there to measure a
            // tool against or to learn from. (Inputs holding markers themselves were skipped just above.)
            if ConflictMarkerScanner.containsMarkers(file.resolved, size: options.markers.size) {
                scanned.skipped[Self.committedWithMarkers, default: 0] += 1
                continue
            }
            let lineMerge = LineMerge(base: file.base, ours: file.ours, theirs: file.theirs, flavor: resolverOptions.flavor)
            let locator = ResolutionLocator(lineMerge)
            let resolvedLines = splitLines(file.resolved)
            let language = SourceLanguage.forPath(file.path)
            for (index, region) in lineMerge.regions.enumerated() {
                scanned.regions.append(LocatedRegion(commit: merge.commit, path: file.path, language: language, index: index,
                                                     base: region.base, ours: region.ours, theirs: region.theirs,
                                                     developer: locator.resolution(ofRegion: index, in: resolvedLines),
                                                     outcome: resolution.regionOutcomes[index],
                                                     key: contentKey(region.ours, region.base, region.theirs), regenerated: resolution.regenerated))
            }
        }
        return scanned
    }
}

/// Threads that each own a repository handle and a `MergeHistory` on it, mapping batches of merges in order.
final class WorkerPool: @unchecked Sendable {
    // Unchecked Sendable: worker `i` only ever touches `histories[i]`.
    let histories: [MergeHistory]

    /// `first` is reused as the first worker's history; the others open the repository at `gitDirectory` again.
    init(jobs: Int, gitDirectory: String, first: MergeHistory) throws {
        var histories = [first]
        for _ in 1..<max(1, jobs) {
            histories.append(MergeHistory(repository: try Repository(discoveringFrom: gitDirectory)))
        }
        self.histories = histories
    }

    /// `transform` of every item, in item order; the first error thrown by any worker is rethrown.
    func map<Item: Sendable, Value: Sendable>(_ items: [Item], _ transform: @Sendable (MergeHistory, Item) throws -> Value) throws -> [Value] {
        if histories.count == 1 { return try items.map { try transform(histories[0], $0) } }
        let state = MapState<Value>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: histories.count) { worker in
            while let index = state.claim() {
                do {
                    state.store(try transform(histories[worker], items[index]), at: index)
                } catch {
                    state.fail(error)
                }
            }
        }
        if let failure = state.failure { throw failure }
        return state.results.map { $0! }
    }
}

/// The shared state of one `WorkerPool.map`: the next item to claim, the results, the first failure.
private final class MapState<Value: Sendable>: @unchecked Sendable {
    // Unchecked Sendable: every property is read and written under `lock`.
    private let lock = NSLock()
    private var next = 0
    private var values: [Value?]
    private var firstFailure: Error?

    init(count: Int) { values = Array(repeating: nil, count: count) }

    /// The next unclaimed index, or nil when all are claimed or a worker failed.
    func claim() -> Int? {
        lock.withLock {
            guard next < values.count, firstFailure == nil else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func store(_ value: Value, at index: Int) { lock.withLock { values[index] = value } }
    func fail(_ error: Error) { lock.withLock { if firstFailure == nil { firstFailure = error } } }
    var failure: Error? { lock.withLock { firstFailure } }
    var results: [Value?] { lock.withLock { values } }
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
