import Testing
import Foundation
import MergeCore
import TestSupport
import GitBridge

/// The token-level merge against libgit2's `git_merge_file` on the same tokens written one per line.
@Suite struct TokenMergeDifferentialTests {
    /// Writes each token on a line of its own; newlines and backslashes are escaped so one token stays one line.
    static func oneTokenPerLine(_ tokens: [Token]) -> [UInt8] {
        var output: [UInt8] = []
        for token in tokens {
            for byte in token.bytes {
                switch byte {
                case UInt8(ascii: "\n"): output += Array("\\n".utf8)
                case UInt8(ascii: "\r"): output += Array("\\r".utf8)
                case UInt8(ascii: "\\"): output += Array("\\\\".utf8)
                default: output.append(byte)
                }
            }
            output.append(UInt8(ascii: "\n"))
        }
        return output
    }

    static let fragments = ["foo", "bar", "(", ")", " ", "\n", "x", "=", "1", ";", "{", "}", "return", ",", "\"a b\"", "// c d"]

    @Test(arguments: [ConflictStyle.diff3, .merge, .zdiff3])
    func agreesWithLibGit2OnRandomTokenTriples(style: ConflictStyle) throws {
        var random = RandomTriples(seed: 0x70C3 &+ UInt64(style.rawValue.count))
        let tokenizer = Tokenizer(language: .java)
        // MERGEBERT_STRESS=N and MERGEBERT_STRESS_LENGTH=L run a longer search by hand.
        let environment = ProcessInfo.processInfo.environment
        let iterations = Int(environment["MERGEBERT_STRESS"] ?? "") ?? 1000
        let length = Int(environment["MERGEBERT_STRESS_LENGTH"] ?? "") ?? 24
        var conflicted = 0
        for iteration in 0..<iterations {
            let triple = random.triple(alphabet: Self.fragments, maximumLength: length, maximumEdits: 4)
            let base = tokenizer.tokenize(triple.base.joined())
            let ours = tokenizer.tokenize(triple.ours.joined())
            let theirs = tokenizer.tokenize(triple.theirs.joined())
            let baseLines = Self.oneTokenPerLine(base), oursLines = Self.oneTokenPerLine(ours), theirsLines = Self.oneTokenPerLine(theirs)

            let merge = LineMerge(base: baseLines, ours: oursLines, theirs: theirsLines, flavor: .gitMergeFile)
            let tokenMerge = TokenMerge(base: base, ours: ours, theirs: theirs)
            let markers = ConflictMarkers(oursLabel: "ours", baseLabel: "base", theirsLabel: "theirs")
            let reference = try MergeFile.merge(base: baseLines, ours: oursLines, theirs: theirsLines, style: style, markers: markers)
            let rendered = merge.render(style: style, markers: markers)
            #expect(rendered == reference.text, "iteration \(iteration): \(triple)")
            #expect(tokenMerge.isClean == reference.isClean, "iteration \(iteration): \(triple)")
            if reference.isClean, let merged = tokenMerge.cleanResult {
                #expect(Self.oneTokenPerLine(merged) == reference.text, "iteration \(iteration)")
            }
            if !reference.isClean { conflicted += 1 }
        }
        // The generator must exercise both outcomes, or this test proves little.
        #expect(conflicted > iterations / 5 && conflicted < iterations * 4 / 5)
    }
}
