import Foundation
import MergeCore

/// What the other conflicting regions of the same file say about a region: the mean of every region's side
/// features (`SideFeatures`) over all of the file's regions, as `file.NAME`, and how many regions there are.
///
/// Developers often resolve a file one way throughout (taking one side's rewrite wherever it touches the
/// other's edits), and a region alone rarely shows that; its neighbours' shapes do. Only the file is used, not
/// the whole merge, because git runs a merge driver once per file. Computed from all of the file's regions of
/// git's line merge, located or not, exactly as the resolver sees them, so `mine` and the driver agree.
public struct FileContext: Sendable, Equatable {
    /// The features by name (`file.` + a side feature's name, and `file.regions`); zeros left out.
    public var features: [String: Double]

    /// The prefix of every name.
    public static let prefix = "file."
    /// log(1 + the number of regions in the file).
    public static let regionCountName = "file.regions"

    /// Whether `name` is a feature this code computes.
    public static func isKnown(_ name: String) -> Bool {
        if name == regionCountName { return true }
        guard name.hasPrefix(prefix) else { return false }
        let side = String(name.dropFirst(prefix.count))
        return SideFeatures.isKnown(side) && !side.hasPrefix(SideFeatures.languagePrefix)
    }

    /// No regions: nothing known.
    public static let empty = FileContext(features: [:])

    public init(features: [String: Double]) {
        self.features = features
    }

    /// The context of a file whose line merge left these regions (their token-level merges), in order.
    public init(regions merges: [TokenMerge], language: SourceLanguage, featurizer: Featurizer) {
        guard !merges.isEmpty else {
            self = .empty
            return
        }
        var sums: [String: Double] = [:]
        for merge in merges {
            let input = featurizer.views(base: merge.base, ours: merge.ours, theirs: merge.theirs)
            for (name, value) in SideFeatures.nonZero(input: input, facts: featurizer.regionFacts(of: merge, language: language))
            where !name.hasPrefix(SideFeatures.languagePrefix) {
                sums[Self.prefix + name, default: 0] += value
            }
        }
        var features = sums.mapValues { $0 / Double(merges.count) }
        features[Self.regionCountName] = log1p(Double(merges.count))
        self.features = features
    }
}
