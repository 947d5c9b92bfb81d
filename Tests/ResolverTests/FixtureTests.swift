import Foundation
import Testing
import MergeCore
import Resolver

/// Runs every hand-written case under fixtures/merge through the resolver.
@Suite struct FixtureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../fixtures/merge").standardized

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter { !$0.contains(".") }.sorted()
    }

    static func file(_ name: String, in folder: URL) throws -> (bytes: [UInt8], extension: String) {
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let entry = try #require(entries.first { $0.hasPrefix(name + ".") }, "\(folder.lastPathComponent) has no \(name).*")
        return ([UInt8](try Data(contentsOf: folder.appendingPathComponent(entry))), String(entry.dropFirst(name.count + 1)))
    }

    @Test func thereAreEnoughCasesInEnoughLanguages() throws {
        #expect(Self.cases.count >= 30)
        var extensions = Set<String>()
        var conflicted = 0
        for name in Self.cases {
            let folder = Self.root.appendingPathComponent(name)
            let expected = try Self.file("expected", in: folder)
            extensions.insert(expected.extension)
            if ConflictMarkerScanner.containsMarkers(expected.bytes, size: 7) { conflicted += 1 }
        }
        #expect(extensions.count >= 6)
        #expect(conflicted * 3 >= Self.cases.count && conflicted * 3 <= Self.cases.count * 2)
    }

    @Test(arguments: FixtureTests.cases)
    func resolvesAsExpected(name: String) throws {
        let folder = Self.root.appendingPathComponent(name)
        let base = try Self.file("base", in: folder), ours = try Self.file("ours", in: folder)
        let theirs = try Self.file("theirs", in: folder), expected = try Self.file("expected", in: folder)
        let options = ResolverOptions(style: .merge, markers: ConflictMarkers(oursLabel: "ours", baseLabel: "base", theirsLabel: "theirs"),
                                      path: "\(name).\(expected.extension)")
        let result = try Resolver(options: options).resolve(base: base.bytes, ours: ours.bytes, theirs: theirs.bytes)
        #expect(String(decoding: result.text, as: UTF8.self) == String(decoding: expected.bytes, as: UTF8.self))
        #expect(result.text == expected.bytes)
        #expect(result.isClean == !ConflictMarkerScanner.containsMarkers(expected.bytes, size: 7))
        #expect(!result.report.regions.isEmpty, "git's line merge should conflict in every case")
    }
}
