import Foundation
import Testing
import TestSupport

/// The model in `models/` as a user gets it: found from the build tree without configuration, resolving a
/// conflict through the command line, and git's merge when the model files are missing or corrupt.
@Suite struct ShippedModelTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixture = repositoryRoot.appendingPathComponent("fixtures/model/both-add-methods")

    /// The test environment without the pin to "no model": discovery from the executable's build tree.
    func discoveringEnvironment(_ directory: URL) -> [String: String] {
        CommandRunner.environment(home: directory, extra: ["MERGEBERT_MODEL": ""])
    }

    func withFixture(_ body: (URL) throws -> Void) throws {
        let directory = try CommandRunner.temporaryDirectory("shipped-model")
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["base", "ours", "theirs", "expected"] {
            try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent("\(name).java"),
                                             to: directory.appendingPathComponent("\(name).java"))
        }
        try body(directory)
    }

    struct Report: Decodable {
        struct Region: Decodable {
            let fate: String
            let method: String?
            let probability: Double?
            let tokenPatterns: [String]?
            enum CodingKeys: String, CodingKey { case fate, method, probability, tokenPatterns = "token_patterns" }
        }
        let clean: Bool
        let regions: [Region]
    }

    @Test func theShippedModelKeepsTwoMethodsAddedAtTheSamePlace() throws {
        try withFixture { directory in
            let arguments = ["merge", "base.java", "ours.java", "theirs.java", "--threshold", "0", "--json", "-o", "out.java"]
            let result = try CommandRunner.run(CommandRunner.mergebert, arguments, in: directory, environment: discoveringEnvironment(directory))
            #expect(result.status == 0, "\(result.standardError)")
            let report = try #require(try JSONDecoder().decode([Report].self, from: Data(result.output.utf8)).first)
            let region = try #require(report.regions.first)
            #expect(region.fate == "model_resolved")
            // Ours then theirs, for the whole region or for its one token conflict; with nothing in the base
            // between them, AB and AB-O write the same text.
            let both: Set<String> = ["AB", "AB-O"]
            #expect(both.contains(region.method ?? "") || (region.tokenPatterns?.count == 1 && both.contains(region.tokenPatterns![0])),
                    "\(region)")
            #expect(try CommandRunner.read(directory.appendingPathComponent("out.java"))
                    == CommandRunner.read(directory.appendingPathComponent("expected.java")))
        }
    }

    /// The README's demo conflict: a clean token merge the shipped model backs above its kind's threshold.
    @Test func theDemoResolvesAtTheDefault() throws {
        let demo = Self.repositoryRoot.appendingPathComponent("fixtures/demo")
        let directory = try CommandRunner.temporaryDirectory("demo")
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = ["merge", "base.java", "ours.java", "theirs.java", "--json", "-o", directory.appendingPathComponent("out.java").path]
        let result = try CommandRunner.run(CommandRunner.mergebert, arguments, in: demo, environment: discoveringEnvironment(directory))
        #expect(result.status == 0, "\(result.standardError)")
        let report = try #require(try JSONDecoder().decode([Report].self, from: Data(result.output.utf8)).first)
        #expect(report.clean && report.regions.map(\.fate) == ["token_merged"], "\(report)")
    }

    /// Both sides set the same values differently (hand-written fixtures): one side's line would drop the
    /// other's value, so at the default every region keeps git's markers, and only the family's threshold says so.
    @Test(arguments: ["py-default-argument-clash", "go-field-type-clash"])
    func oneSideOfAClashIsLeftAtTheDefault(name: String) throws {
        let fixture = Self.repositoryRoot.appendingPathComponent("fixtures/merge/\(name)")
        let ext = try #require(try FileManager.default.contentsOfDirectory(atPath: fixture.path).first { $0.hasPrefix("base.") }?
            .dropFirst("base.".count))
        let directory = try CommandRunner.temporaryDirectory("clash")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = ["base", "ours", "theirs"].map { fixture.appendingPathComponent("\($0).\(ext)").path }
        let result = try CommandRunner.run(CommandRunner.mergebert, ["merge"] + files + ["--explain", "-L", "ours", "-L", "base", "-L", "theirs"],
                                           in: directory, environment: discoveringEnvironment(directory))
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.output == (try CommandRunner.read(fixture.appendingPathComponent("expected.\(ext)"))))
        let regions = result.standardError.split(separator: "\n").filter { $0.contains("region") }
        #expect(!regions.isEmpty && regions.allSatisfy { $0.contains("below the threshold 0.82") }, "\(result.standardError)")
    }

    /// Theirs already made ours' change and one more (hand-written fixture): the token merge writes theirs,
    /// and at the default it is written by the threshold of its own family, below the combining merge's.
    @Test func aSideHoldingBothChangesResolvesAtTheDefault() throws {
        let fixture = Self.repositoryRoot.appendingPathComponent("fixtures/merge/java-side-holds-both-changes")
        let directory = try CommandRunner.temporaryDirectory("side-holding")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = ["base", "ours", "theirs"].map { fixture.appendingPathComponent("\($0).java").path }
        let result = try CommandRunner.run(CommandRunner.mergebert, ["merge"] + files + ["--explain"], in: directory,
                                           environment: discoveringEnvironment(directory))
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.output == (try CommandRunner.read(fixture.appendingPathComponent("expected.java"))))
        #expect(result.standardError.contains("token-merged — token merge (one side holds both changes) at p="), "\(result.standardError)")
    }

    @Test func atTheCalibratedThresholdItResolvesOrLeavesGitsMarkers() throws {
        try withFixture { directory in
            let result = try CommandRunner.run(CommandRunner.mergebert, ["merge", "base.java", "ours.java", "theirs.java", "--explain"],
                                               in: directory, environment: discoveringEnvironment(directory))
            let git = try CommandRunner.git(["merge-file", "-p", "ours.java", "base.java", "theirs.java"], in: directory)
            let expected = try CommandRunner.read(directory.appendingPathComponent("expected.java"))
            #expect(result.status == 0 ? result.output == expected : (result.status == 1 && result.output == git.output))
            #expect(result.standardError.contains("p=0."), "\(result.standardError)")
        }
    }

    @Test func aMissingModelGivesGitsMergeAndSaysWhere() throws {
        try withFixture { directory in
            let missing = directory.appendingPathComponent("no-such-model").path
            let result = try CommandRunner.run(CommandRunner.mergebert, ["merge", "base.java", "ours.java", "theirs.java", "--model", missing],
                                               in: directory)
            let git = try CommandRunner.git(["merge-file", "-p", "ours.java", "base.java", "theirs.java"], in: directory)
            #expect(result.status == 1)
            #expect(result.output == git.output)
            #expect(result.standardError.contains("no model at \(missing)"))
            #expect(result.standardError.split(separator: "\n").count == 1)
        }
    }

    @Test func aCorruptModelFromTheEnvironmentGivesGitsMerge() throws {
        try withFixture { directory in
            let model = directory.appendingPathComponent("model")
            try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
            for name in ["config.json", "model.safetensors"] {
                try FileManager.default.copyItem(at: Self.repositoryRoot.appendingPathComponent("models/\(name)"),
                                                 to: model.appendingPathComponent(name))
            }
            let weights = model.appendingPathComponent("model.safetensors")
            try Data(try Data(contentsOf: weights).prefix(4096)).write(to: weights)
            let environment = CommandRunner.environment(home: directory, extra: ["MERGEBERT_MODEL": model.path])
            let result = try CommandRunner.run(CommandRunner.mergebert, ["merge", "base.java", "ours.java", "theirs.java"],
                                               in: directory, environment: environment)
            let git = try CommandRunner.git(["merge-file", "-p", "ours.java", "base.java", "theirs.java"], in: directory)
            #expect(result.status == 1)
            #expect(result.output == git.output)
            #expect(result.standardError.contains("cannot be used"))
        }
    }
}
