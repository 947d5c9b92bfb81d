import Testing
import MergeCore
import TestSupport

@Suite struct ResolutionPatternTests {
    let tokenizer = Tokenizer(language: .java)

    func tokens(_ text: String) -> [Token] { tokenizer.tokenize(text) }
    func text(_ tokens: [Token]) -> String { String(decoding: tokens.joinedBytes, as: UTF8.self) }

    @Test func theNinePatternsInTheirFixedOrder() {
        #expect(ResolutionPattern.allCases.map(\.rawValue) == ["A", "B", "O", "AB", "BA", "A-O", "B-O", "AB-O", "BA-O"])
        #expect(ResolutionPattern.theirsThenOursMinusBase.index == 8)
    }

    @Test func applyingEachPattern() {
        // Base "f(x)", ours adds an argument, theirs wraps the call.
        let base = tokens("f(x)"), ours = tokens("f(x, y)"), theirs = tokens("g(f(x))")
        func apply(_ pattern: ResolutionPattern) -> String { text(pattern.apply(base: base, ours: ours, theirs: theirs)) }
        #expect(apply(.ours) == "f(x, y)")
        #expect(apply(.theirs) == "g(f(x))")
        #expect(apply(.base) == "f(x)")
        #expect(apply(.oursThenTheirs) == "f(x, y)g(f(x))")
        #expect(apply(.theirsThenOurs) == "g(f(x))f(x, y)")
        #expect(apply(.oursMinusBase) == ", y")
        #expect(apply(.theirsMinusBase) == "g()")
        #expect(apply(.oursThenTheirsMinusBase) == ", yg()")
        #expect(apply(.theirsThenOursMinusBase) == "g(), y")
    }

    @Test func minusBaseKeepsOnlyWhatASideAdded() {
        // Both sides append an import after the same base line: the resolution keeps the base line once.
        let base = tokens("import a;\n"), ours = tokens("import a;\nimport b;\n"), theirs = tokens("import a;\nimport c;\n")
        #expect(text(ResolutionPattern.oursMinusBase.apply(base: base, ours: ours, theirs: theirs)) == "import b;\n")
        let resolution = tokens("import b;\nimport c;\n")
        #expect(ResolutionPattern.patterns(producing: resolution, base: base, ours: ours, theirs: theirs) == [.oursThenTheirsMinusBase])
    }

    @Test func knownResolutionGivesItsPatternsOrOther() {
        let base = tokens("x"), ours = tokens("y"), theirs = tokens("z")
        #expect(ResolutionPattern.patterns(producing: tokens("y"), base: base, ours: ours, theirs: theirs) == [.ours, .oursMinusBase])
        #expect(ResolutionPattern.patterns(producing: tokens("zy"), base: base, ours: ours, theirs: theirs)
            == [.theirsThenOurs, .theirsThenOursMinusBase])
        #expect(ResolutionPattern.patterns(producing: tokens("w"), base: base, ours: ours, theirs: theirs).isEmpty)
        #expect(ResolutionPattern.patterns(producing: tokens("y "), base: base, ours: ours, theirs: theirs).isEmpty)
        #expect(ResolutionPattern.patterns(producing: tokens("y "), base: base, ours: ours, theirs: theirs, ignoringLayout: true)
            == [.ours, .oursMinusBase])
    }

    @Test func patternsApplyToTokenConflictsOfAMerge() throws {
        let merge = TokenMerge(base: tokens("call(a, b)"), ours: tokens("call(c, b)"), theirs: tokens("call(d, b)"))
        let conflict = try #require(merge.conflicts.first)
        #expect(merge.conflicts.count == 1)
        #expect(text(ResolutionPattern.theirs.apply(to: conflict)) == "d")
        #expect(text(merge.resolved(with: [ResolutionPattern.theirs.apply(to: conflict)])) == "call(d, b)")
        #expect(ResolutionPattern.patterns(producing: tokens("cd"), for: conflict) == [.oursThenTheirs, .oursThenTheirsMinusBase])
    }
}
