import Foundation
import Testing
import MergeCore
import Resolver

/// The bounds README states: what the resolver accepts at the limits, and what it does past them
/// (git's merge and a reason). Times and memory are `mergebert bench merge`'s business, not these tests'.
@Suite struct ResourceBoundsTests {
    func resolve(_ base: String, _ ours: String, _ theirs: String, enabled: Bool = true) throws -> Resolution {
        try Resolver(options: ResolverOptions(path: "A.java", resolutionEnabled: enabled))
            .resolve(base: Array(base.utf8), ours: Array(ours.utf8), theirs: Array(theirs.utf8))
    }

    @Test func pastTheSizeLimitItIsGitsMergeWithAReason() throws {
        let filler = String(repeating: "x", count: ResolverOptions.defaultSizeLimit)
        let result = try resolve(filler + "\ncall(alpha, beta);\n", filler + "\ncall(gamma, beta);\n", filler + "\ncall(alpha, delta);\n")
        #expect(result.report.skipped?.contains("exceeds the \(ResolverOptions.defaultSizeLimit)-byte limit") == true)
        #expect(result.text == (try resolve(filler + "\ncall(alpha, beta);\n", filler + "\ncall(gamma, beta);\n",
                                            filler + "\ncall(alpha, delta);\n", enabled: false)).text)
        #expect(!result.isClean)
    }

    @Test func sidesWithNothingInCommonMakeOneRegionLeftToTheUser() throws {
        let sides = (0..<3).map { side in (0..<20_000).map { "side\(side) line \($0);\n" }.joined() }
        let result = try resolve(sides[0], sides[1], sides[2])
        #expect(result.report.regions.count == 1)
        #expect(result.report.regions[0].fate == .left)
        #expect(result.text == (try resolve(sides[0], sides[1], sides[2], enabled: false)).text)
    }

    @Test func aOneMegabyteLineIsMergedTokenByToken() throws {
        let long = String(repeating: "word ", count: 200_000)
        let result = try resolve("start " + long + "end\n", "START " + long + "end\n", "start " + long + "END\n")
        #expect(result.isClean)
        #expect(result.text == Array(("START " + long + "END\n").utf8))
    }
}
