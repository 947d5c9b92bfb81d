import Foundation
import Testing
import MergeCore
import Resolver
import TestSupport

/// The line merge as the driver writes it (token merge off) against `git merge-tree`, which merges file
/// contents exactly as `git merge` does: the histogram diff, no alphanumeric joining, git's labels.
@Suite struct GitMergeDifferentialTests {
    /// Short files over few distinct lines (1,200), and long ones over hundreds of distinct lines (300).
    static func files(seed: UInt64) -> [(base: [UInt8], ours: [UInt8], theirs: [UInt8])] {
        RandomTriples.lineFiles(count: 1200, seed: seed)
            + RandomTriples.lineFiles(count: 300, seed: seed + 1, maximumLength: 400, maximumEdits: 60, distinctLines: 300)
    }

    @Test(arguments: [ConflictStyle.merge, .diff3, .zdiff3])
    func agreesWithGitMergeTree(style: ConflictStyle) throws {
        let repository = try GeneratedMergeRepository(Self.files(seed: 0xD1FF + UInt64(style.rawValue.count)))
        defer { repository.remove() }
        let git = try repository.mergeTree(config: ["merge.conflictStyle=\(style.rawValue)"])
        let markers = ConflictMarkers(oursLabel: "ours", baseLabel: repository.baseLabel, theirsLabel: "theirs")
        var options = ResolverOptions(style: style, markers: markers, tokenMergeEnabled: false)
        var differences = 0, conflicted = 0, algorithmsDisagree = 0
        for (path, triple) in zip(repository.paths, repository.triples) {
            options.path = path
            options.flavor = .gitMerge
            let result = try Resolver(options: options).resolve(base: triple.base, ours: triple.ours, theirs: triple.theirs)
            let expected = git.files[path] ?? []
            if result.text != expected {
                differences += 1
                if differences <= 3 {
                    Issue.record("\(path) differs from git merge-tree: \([triple.base, triple.ours, triple.theirs].map { String(decoding: $0, as: UTF8.self) })")
                }
            }
            #expect(result.isClean == !git.conflicted.contains(path), "\(path)")
            if !result.isClean { conflicted += 1 }
            options.flavor = .mergeRecursive
            let myers = try Resolver(options: options).resolve(base: triple.base, ours: triple.ours, theirs: triple.theirs)
            if myers.text != result.text { algorithmsDisagree += 1 }
        }
        #expect(differences == 0)
        #expect(conflicted > 300)
        // The test only means something where the two diffs give different merges.
        #expect(algorithmsDisagree > 50, "Myers and histogram disagree on \(algorithmsDisagree) files")
    }
}
