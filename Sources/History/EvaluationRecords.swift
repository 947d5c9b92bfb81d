import Foundation
import GitBridge
import MergeCore
import Resolver

/// One replayed merge as the HTML report's per-merge table shows it: its counted regions and how the
/// resolver did on them.
public struct MergeSummary: Sendable, Codable, Hashable {
    public var repo: String
    public var commit: String
    public var subject: String
    /// The merge commit's date, `YYYY-MM-DD` (UTC).
    public var date: String
    /// Regions counted (after deduplication), located or not.
    public var regions = 0
    public var resolved = 0
    public var right = 0
    public var wrong: Int { resolved - right }

    enum CodingKeys: String, CodingKey { case repo, commit, subject, date, regions, resolved, right }

    init(repo: String, merge: ReplayedMerge) {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        (self.repo, commit, subject, date) = (repo, merge.commit, merge.subject, formatter.string(from: merge.time))
    }
}

/// A located region the resolver got wrong or left, with everything a person needs to judge it: the three
/// sides, what it wrote (or the best candidate it did not write), and the developer's resolution.
public struct RegionExample: Sendable, Codable, Hashable {
    /// `wrong`: resolved, and not what the developer committed; `left`: git's markers kept.
    public enum Status: String, Sendable, Codable { case wrong, left }

    public var repo: String
    public var commit: String
    public var path: String
    /// 1-based, as `--explain` counts regions.
    public var region: Int
    public var status: Status
    /// Why it ended so (the resolver's own words, as `--explain` prints them).
    public var reason: String
    public var base: String
    public var ours: String
    public var theirs: String
    /// What was written, or for a left region the best candidate (nil when there was none).
    public var candidate: String?
    public var developer: String
    /// Whether a side or the candidate was cut to `RegionExample.maximumBytes`.
    public var truncated: Bool

    /// Longer texts are cut so that a report of thousands of regions stays readable.
    public static let maximumBytes = 4000

    /// The example for `region` when the resolver got it wrong or left it; nil when it resolved it right.
    init?(repo: String, region: LocatedRegion, developer: [UInt8]) {
        let written = region.suggestion
        if let written, Reproduction.reproduces(written, developer) { return nil }
        var truncated = false
        func text(_ bytes: [UInt8]) -> String {
            if bytes.count > Self.maximumBytes { truncated = true }
            return String(decoding: bytes.prefix(Self.maximumBytes), as: UTF8.self)
        }
        (self.repo, commit, path, self.region) = (repo, region.commit, region.path, region.index + 1)
        status = written == nil ? .left : .wrong
        reason = region.outcome?.reason ?? "not looked at (token merge off, or a lock or generated file)"
        base = text(region.base)
        ours = text(region.ours)
        theirs = text(region.theirs)
        candidate = (written ?? region.outcome?.chosen?.text).map(text)
        self.developer = text(developer)
        self.truncated = truncated
    }
}
