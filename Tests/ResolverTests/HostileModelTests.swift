import Foundation
import Testing
import MergeCore
import Resolver
import TestSupport

/// A model folder is data from outside: whatever it holds, loading refuses it with a reason or the
/// resolver leaves git's markers; it never crashes and never resolves on nonsense.
@Suite struct HostileModelTests {
    let base = Array("x\ncall(alpha, beta);\ny\n".utf8)
    let ours = Array("x\ncall(gamma, beta);\ny\n".utf8)
    let theirs = Array("x\ncall(delta, beta);\ny\n".utf8)

    func folder(_ body: (URL) throws -> Void) throws {
        let directory = try CommandRunner.temporaryDirectory("hostile-model")
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    @Test(arguments: ["", "null", "\"0.9\"", "0.9", "{}", "{\"threshold\": 0}", "{\"threshold\": -1}", "{\"threshold\": 1.5}",
                      "{\"threshold\": true}", "not json"])
    func aDecisionWithoutAUsableThresholdRefusesTheModel(decision: String) throws {
        try folder { directory in
            try BiasedModel.write(to: directory, bias: ["B": 5])
            try Data(decision.utf8).write(to: directory.appendingPathComponent("decision.json"))
            #expect(throws: ResolutionModel.LoadError.self) { try ResolutionModel(directory: directory) }
        }
    }

    @Test func aMissingDecisionRefusesTheModel() throws {
        try folder { directory in
            try BiasedModel.write(to: directory, bias: ["B": 5])
            try FileManager.default.removeItem(at: directory.appendingPathComponent("decision.json"))
            do {
                _ = try ResolutionModel(directory: directory)
                Issue.record("a model without decision.json loaded")
            } catch {
                #expect("\(error)".contains("decision.json is missing"))
            }
        }
    }

    @Test(arguments: [(4, nil), (7, nil), (nil, 5)] as [(Int?, Int?)])
    func sizesTheFeaturizerCannotUseAreRefusedNotTrapped(maximumLength: Int?, vocabularySize: Int?) throws {
        try folder { directory in
            try BiasedModel.write(to: directory, bias: ["B": 5], maximumLength: maximumLength, vocabularySize: vocabularySize)
            #expect(throws: ResolutionModel.LoadError.self) { try ResolutionModel(directory: directory) }
        }
    }

    @Test(arguments: [Float.nan, Float.infinity])
    func nonFiniteOutputsResolveNothing(value: Float) throws {
        try folder { directory in
            try BiasedModel.write(to: directory, bias: ["B": value])
            var options = ResolverOptions(path: "A.java")
            options.model = try ResolutionModel(directory: directory)
            options.threshold = 0
            let result = try Resolver(options: options).resolve(base: base, ours: ours, theirs: theirs)
            #expect(!result.isClean)
            let region = try #require(result.report.regions.first)
            #expect(region.fate == .left && region.reason.contains("not finite"), "\(region.reason)")
        }
    }
}
