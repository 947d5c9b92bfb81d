import Testing
import MergeCore
import GitBridge
import Resolver

/// Bad inputs never lose content: they get git's line merge, with a reason.
@Suite struct InputSafetyTests {
    let markers = ConflictMarkers(oursLabel: "ours", baseLabel: "base", theirsLabel: "theirs")

    func resolve(_ base: [UInt8], _ ours: [UInt8], _ theirs: [UInt8], sizeLimit: Int = ResolverOptions.defaultSizeLimit,
                 enabled: Bool = true) throws -> Resolution {
        try Resolver(options: ResolverOptions(markers: markers, path: "a.java", resolutionEnabled: enabled, sizeLimit: sizeLimit))
            .resolve(base: base, ours: ours, theirs: theirs)
    }

    func gitMerge(_ base: [UInt8], _ ours: [UInt8], _ theirs: [UInt8]) throws -> [UInt8] {
        try MergeFile.merge(base: base, ours: ours, theirs: theirs, style: .merge, markers: markers).text
    }

    /// A triple that the token merge would resolve, so that skipping it shows.
    let base = Array("call(alpha, beta);\n".utf8)
    let ours = Array("call(gamma, beta);\n".utf8)
    let theirs = Array("call(alpha, delta);\n".utf8)

    @Test func resolvableTripleIsResolved() throws {
        let result = try resolve(base, ours, theirs)
        #expect(result.text == Array("call(gamma, delta);\n".utf8))
        #expect(result.isClean)
        #expect(result.report.regions.map(\.fate) == [.tokenMerged])
    }

    @Test func binaryInputKeepsOursAndReportsAConflict() throws {
        let binaryOurs = ours + [0, 1, 2]
        let result = try resolve(base, binaryOurs, theirs)
        #expect(result.text == binaryOurs)
        #expect(!result.isClean)
        #expect(result.report.skipped?.contains("binary") == true)
    }

    @Test func invalidUTF8GetsGitsLineMerge() throws {
        let latin1 = ours + [0xE9, 0x0A]
        let result = try resolve(base, latin1, theirs)
        #expect(result.text == (try gitMerge(base, latin1, theirs)))
        #expect(!result.isClean)
        #expect(result.report.skipped?.contains("UTF-8") == true)
    }

    @Test func inputsWithConflictMarkersGetGitsLineMerge() throws {
        let marked = ours + Array("<<<<<<< HEAD\n".utf8)
        let result = try resolve(base, marked, theirs)
        #expect(result.text == (try gitMerge(base, marked, theirs)))
        #expect(result.report.skipped?.contains("conflict markers") == true)
    }

    @Test func oversizedInputsGetGitsLineMerge() throws {
        let result = try resolve(base, ours, theirs, sizeLimit: 10)
        #expect(result.text == (try gitMerge(base, ours, theirs)))
        #expect(result.report.skipped?.contains("limit") == true)
    }

    @Test func disabledResolutionGivesGitsLineMerge() throws {
        let result = try resolve(base, ours, theirs, enabled: false)
        #expect(result.text == (try gitMerge(base, ours, theirs)))
        #expect(!result.isClean)
    }

    @Test func crlfStaysCRLFAndAMissingFinalNewlineStaysMissing() throws {
        func crlf(_ text: String) -> [UInt8] { Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }
        let result = try resolve(crlf("a;\ncall(alpha, beta);\nz;\n"), crlf("a;\ncall(gamma, beta);\nz;\n"), crlf("a;\ncall(alpha, delta);\nz;\n"))
        #expect(result.text == crlf("a;\ncall(gamma, delta);\nz;\n"))

        let noNewline = try resolve(Array("x\ncall(alpha, beta);".utf8), Array("x\ncall(gamma, beta);".utf8), Array("x\ncall(alpha, delta);".utf8))
        #expect(noNewline.text == Array("x\ncall(gamma, delta);".utf8))
        #expect(noNewline.isClean)
    }

    @Test func unresolvedRegionsKeepGitsMarkersNextToResolvedOnes() throws {
        let base = Array("one(a, b);\nx\ny\nz\nw\ntwo(c);\n".utf8)
        let ours = Array("one(A, b);\nx\ny\nz\nw\ntwo(C1);\n".utf8)
        let theirs = Array("one(a, B);\nx\ny\nz\nw\ntwo(C2);\n".utf8)
        for style in ConflictStyle.allCases {
            let result = try Resolver(options: ResolverOptions(style: style, markers: markers)).resolve(base: base, ours: ours, theirs: theirs)
            let git = try MergeFile.merge(base: base, ours: ours, theirs: theirs, style: style, markers: markers).text
            let gitText = String(decoding: git, as: UTF8.self)
            let secondHunk = gitText[gitText.range(of: "x\ny\nz\nw\n")!.upperBound...]
            #expect(String(decoding: result.text, as: UTF8.self) == "one(A, B);\nx\ny\nz\nw\n" + secondHunk, "\(style)")
            #expect(!result.isClean)
            #expect(result.report.regions.map(\.fate) == [.tokenMerged, .left])
        }
    }

    @Test func safetyCheckRefusesUnbalancedBrackets() {
        let tokenizer = Tokenizer(language: .java)
        let balanced = tokenizer.tokenize("f(x)")
        #expect(SafetyCheck.problem(resolution: tokenizer.tokenize("f(x"), base: balanced, ours: balanced, theirs: balanced) != nil)
        #expect(SafetyCheck.problem(resolution: tokenizer.tokenize("f(y)"), base: balanced, ours: balanced, theirs: balanced) != nil)
        #expect(SafetyCheck.problem(resolution: balanced, base: balanced, ours: balanced, theirs: balanced) == nil)
        let line = tokenizer.tokenize("f(x);\n")
        #expect(SafetyCheck.problem(resolution: tokenizer.tokenize("x"), base: line, ours: line, theirs: line)?.contains("glued") == true)
        #expect(SafetyCheck.problem(resolution: [], base: line, ours: line, theirs: line) == nil)
    }
}
