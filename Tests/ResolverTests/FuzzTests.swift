import Foundation
import Testing
import MergeCore
import Resolver
import TestSupport

/// The fuzz suite: generated triples of every `FuzzKind`, merged by git (`git merge-tree`) and by the
/// resolver with resolution off, with clean token merges only, and with the shipped model at threshold 0,
/// in all three styles. `MERGEBERT_FUZZ=N` runs N triples per kind (default 12, about a minute: CI's slice).
@Suite(.serialized) struct FuzzTests {
    static let perKind = Int(ProcessInfo.processInfo.environment["MERGEBERT_FUZZ"] ?? "") ?? 12
    static let shippedModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../models").standardized

    static func triples(seed: UInt64) -> [(kind: FuzzKind, triple: (base: [UInt8], ours: [UInt8], theirs: [UInt8]))] {
        var generator = FuzzTriples(seed: seed)
        return FuzzKind.allCases.flatMap { kind in (0..<perKind).map { _ in (kind, generator.triple(kind)) } }
    }

    static func isMarkerFree(_ text: [UInt8]) -> Bool { !ConflictMarkerScanner.containsMarkers(text, size: 7) }

    @Test(arguments: [ConflictStyle.merge, .diff3, .zdiff3])
    func everyModeKeepsGitsBytesAndInventsNothing(style: ConflictStyle) throws {
        let cases = Self.triples(seed: 0xF022 &+ UInt64(style.rawValue.count))
        let repository = try GeneratedMergeRepository(cases.map(\.triple), extension: "java")
        defer { repository.remove() }
        let git = try repository.mergeTree(config: ["merge.conflictStyle=\(style.rawValue)"])
        let markers = ConflictMarkers(oursLabel: "ours", baseLabel: repository.baseLabel, theirsLabel: "theirs")
        let model = try ResolutionModel(directory: Self.shippedModel)

        var failures: [String] = []
        var resolvedRegions = 0
        for ((kind, triple), path) in zip(cases, repository.paths) {
            func fail(_ what: String) {
                if failures.count < 8 {
                    failures.append("\(kind) \(path): \(what): \([triple.base, triple.ours, triple.theirs].map { String(decoding: $0, as: UTF8.self) })")
                }
            }
            let expected = git.files[path] ?? []
            var options = ResolverOptions(style: style, markers: markers, path: path, resolutionEnabled: false)
            let off = try Resolver(options: options).resolve(base: triple.base, ours: triple.ours, theirs: triple.theirs)
            if off.text != expected { fail("off differs from git merge") }
            if off.isClean != !git.conflicted.contains(path) { fail("off reports clean=\(off.isClean) where git conflicts=\(git.conflicted.contains(path))") }

            options.resolutionEnabled = true
            for withModel in [false, true] {
                options.model = withModel ? model : nil
                options.threshold = withModel ? 0 : nil
                let start = Date()
                let on = try Resolver(options: options).resolve(base: triple.base, ours: triple.ours, theirs: triple.theirs)
                // A hang, not a speed target (those are `mergebert bench`'s): debug builds on a busy machine are slow.
                if Date().timeIntervalSince(start) > 60 { fail("took over 60 s") }
                check(on, off: off, triple: triple, style: style, fail: fail)
                resolvedRegions += on.regionResolutions.count
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // The suite means something only if regions were resolved and git conflicted often.
        #expect(resolvedRegions > cases.count / 4)
        #expect(git.conflicted.count > cases.count / 4)
    }

    /// The invariants of one resolution against git's merge of the same inputs.
    func check(_ on: Resolution, off: Resolution, triple: (base: [UInt8], ours: [UInt8], theirs: [UInt8]), style: ConflictStyle,
               fail: (String) -> Void) {
        let binary = [triple.base, triple.ours, triple.theirs].contains(where: isBinaryForGit)
        let markedInputs = [triple.base, triple.ours, triple.theirs].contains { !Self.isMarkerFree($0) }
        if !binary && !markedInputs && on.isClean != Self.isMarkerFree(on.text) { fail("clean=\(on.isClean) but markers present=\(!Self.isMarkerFree(on.text))") }
        if on.report.skipped != nil && on.text != off.text { fail("skipped (\(on.report.skipped!)) yet not git's text") }
        guard on.report.skipped == nil else { return }

        let merge = LineMerge(base: triple.base, ours: triple.ours, theirs: triple.theirs)
        let regions = merge.regions
        let tokenizer = Tokenizer(language: .java)
        for (position, written) in on.regionResolutions {
            let region = regions[position]
            var known = Set<ArraySlice<UInt8>>()
            for side in [region.base, region.ours, region.theirs] { for token in tokenizer.tokenize(side) { known.insert(token.bytes) } }
            if let stranger = tokenizer.tokenize(written).first(where: { !known.contains($0.bytes) }) {
                fail("region \(position + 1) writes a token no input has: \(stranger.text.debugDescription)")
            }
            if !Self.isMarkerFree(written) { fail("region \(position + 1) writes a marker line") }
            let sides = [region.base, region.ours, region.theirs].filter { !$0.isEmpty }
            if sides.allSatisfy({ $0.last == 0x0A }), let last = written.last, last != 0x0A { fail("region \(position + 1) drops the final newline") }
            let crlfOnly = sides.allSatisfy { side in splitLines(side).allSatisfy { $0.last != 0x0A || $0.dropLast().last == 0x0D } }
            if crlfOnly && !sides.isEmpty && splitLines(written).contains(where: { $0.last == 0x0A && $0.dropLast().last != 0x0D }) {
                fail("region \(position + 1) writes LF where every input uses CRLF")
            }
        }
        // In diff3 style every region is one marker block of git's text: what is not resolved is git's, byte for byte.
        guard style == .diff3, let file = try? ConflictedFile(parsing: off.text), file.conflicts.count == regions.count else { return }
        var expected: [UInt8] = []
        var index = 0
        for piece in file.pieces {
            switch piece {
            case .text(let text): expected += text
            case .conflict(let conflict):
                expected += on.regionResolutions[index] ?? conflict.original
                index += 1
            }
        }
        if expected != on.text { fail("bytes outside the resolved regions differ from git's") }
    }
}
