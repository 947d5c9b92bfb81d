import Testing
import MergeCore
import GitBridge
import Resolver

@Suite struct ConflictedFileResolverTests {
    let base = Array("a\ncall(alpha, beta);\nb\nx\ny\nz\nw\nkeep(1);\n".utf8)
    let ours = Array("a\ncall(gamma, beta);\nb\nx\ny\nz\nw\nkeep(2);\n".utf8)
    let theirs = Array("a\ncall(alpha, delta);\nb\nx\ny\nz\nw\nkeep(3);\n".utf8)

    func gitText(_ style: ConflictStyle) throws -> [UInt8] {
        try MergeFile.merge(base: base, ours: ours, theirs: theirs, style: style,
                            markers: ConflictMarkers(oursLabel: "HEAD", baseLabel: "merged common ancestors", theirsLabel: "topic")).text
    }

    @Test(arguments: [ConflictStyle.diff3, .zdiff3])
    func rebuildsTheSidesFromBaseSections(style: ConflictStyle) throws {
        let file = try gitText(style)
        let result = try ConflictedFileResolver(options: ResolverOptions(path: "x.java")).resolve(file) { nil }
        let text = String(decoding: result.text, as: UTF8.self)
        #expect(text.hasPrefix("a\ncall(gamma, delta);\nb\n"))
        // The region that cannot be resolved stays exactly as git wrote it, labels included.
        let original = String(decoding: file, as: UTF8.self)
        #expect(text.hasSuffix(original[original.range(of: "w\n")!.upperBound...]))
        #expect(result.report.regions.map(\.fate) == [.tokenMerged, .left])
    }

    @Test func mergeMarkersUseTheIndexStages() throws {
        let file = try gitText(.merge)
        let result = try ConflictedFileResolver(options: ResolverOptions(path: "x.java")).resolve(file) { (base, ours, theirs) }
        let text = String(decoding: result.text, as: UTF8.self)
        #expect(text.hasPrefix("a\ncall(gamma, delta);\nb\n"))
        #expect(text.contains("<<<<<<< HEAD\nkeep(2);\n=======\nkeep(3);\n>>>>>>> topic\n"))
        #expect(!result.isClean)
    }

    @Test func mergeMarkersWithoutIndexSayWhatToDo() throws {
        let file = try gitText(.merge)
        #expect(throws: ConflictedFileResolver.Failure.self) {
            try ConflictedFileResolver(options: ResolverOptions(path: "x.java")).resolve(file) { nil }
        }
    }

    @Test func editedDiff3FileIsResolvedConflictByConflict() throws {
        var file = try gitText(.diff3)
        file = Array("// edited by hand\n".utf8) + file
        let result = try ConflictedFileResolver(options: ResolverOptions(path: "x.java")).resolve(file) { nil }
        let text = String(decoding: result.text, as: UTF8.self)
        #expect(text.hasPrefix("// edited by hand\na\ncall(gamma, delta);\nb\n"))
        #expect(text.contains("<<<<<<< HEAD\nkeep(2);\n||||||| merged common ancestors\nkeep(1);\n=======\nkeep(3);\n>>>>>>> topic\n"))
    }
}
