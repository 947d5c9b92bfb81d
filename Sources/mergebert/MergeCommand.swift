import ArgumentParser
import Foundation
import MergeCore
import Resolver

/// `mergebert merge BASE OURS THEIRS`: a three-way merge of files, like `git merge-file`, with the line
/// merge `git merge` itself applies (histogram diff; conflicts joined only across three lines or fewer).
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge three files (base, ours, theirs) and resolve what can be resolved.",
        discussion: "Exit codes: 0 everything resolved, 1 conflicts remain (the output holds git's markers), 2 error.")

    @Argument(help: "The common ancestor.") var base: String
    @Argument(help: "Our version (git's %A, the branch merged into).") var ours: String
    @Argument(help: "Their version (git's %B).") var theirs: String

    @Option(name: [.short, .customLong("output")], help: "Write the result here instead of stdout.")
    var output: String?

    @Option(name: [.short, .long], help: "The file's path in the repository, for its language.")
    var path: String?

    @Option(help: "Marker style for regions left unresolved: merge, diff3 or zdiff3.")
    var style: ConflictStyle = .merge

    @Option(name: .customShort("L"), help: "Labels for the markers, in git's order: ours, base, theirs (repeat up to 3 times).")
    var labels: [String] = []

    @Option(help: "Length of the conflict markers.")
    var markerSize = 7

    @Option(help: "The line diff: histogram (what `git merge` uses, the default) or myers (what `git merge-file` uses).")
    var diffAlgorithm: DiffAlgorithm = .histogram

    @OptionGroup var resolution: ResolutionOptions

    func validate() throws {
        if labels.count > 3 { throw ValidationError("-L takes at most three labels: ours, base, theirs") }
        if markerSize < 1 { throw ValidationError("--marker-size must be positive") }
    }

    func run() throws {
        if resolution.json && output == nil { throw CommandLineError.jsonNeedsOutputFile }
        let markers = ConflictMarkers(oursLabel: labels.count > 0 ? labels[0] : ours,
                                      baseLabel: labels.count > 1 ? labels[1] : base,
                                      theirsLabel: labels.count > 2 ? labels[2] : theirs,
                                      size: markerSize)
        var options = resolution.resolverOptions(path: path ?? ours, style: style, markers: markers)
        options.flavor = LineMergeFlavor(algorithm: diffAlgorithm, joinsAcrossLinesWithoutAlphanumerics: false)
        let result = try Resolver(options: options).resolve(base: try readFile(base), ours: try readFile(ours), theirs: try readFile(theirs))
        if let output { try writeFileAtomically(result.text, to: output) } else { writeStandardOutput(result.text) }
        emitReport(result.report, options: resolution)
        // One shape for `merge --json` and `resolve --json`: a list of file reports.
        if resolution.json { print(jsonText([result.report])) }
        if !result.isClean { throw ExitCode(1) }
    }
}
