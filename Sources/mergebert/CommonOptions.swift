import ArgumentParser
import DriverCore
import Foundation
import GitBridge
import MergeCore
import Resolver

extension ConflictStyle: ExpressibleByArgument {}
extension DiffAlgorithm: ExpressibleByArgument {}

/// Options shared by the commands that resolve: what to print and which stages run.
struct ResolutionOptions: ParsableArguments {
    @Flag(help: "Print one line per conflicting region on stderr: how it was resolved, or why it was left.")
    var explain = false

    @Flag(help: "Print the region report as JSON on stdout.")
    var json = false

    @Flag(help: "Stop after git's line merge: leave every region with its markers.")
    var noTokenMerge = false

    @Option(help: "The model directory (default: MERGEBERT_MODEL, else models/ of the build or install).")
    var model: String?

    @Option(help: "Resolve only above this probability for every kind of candidate (default: the model's calibrated threshold per kind).")
    var threshold: Double?

    @Flag(help: "Resolve without the model: clean token merges only (also MERGEBERT_MODEL=none).")
    var noModel = false

    func validate() throws {
        if let threshold, !(0...1).contains(threshold) {
            throw ValidationError("--threshold takes a probability between 0 and 1 (got \(threshold))")
        }
    }

    /// The settings in effect: these flags over MERGEBERT_MODE/MERGEBERT_THRESHOLD over git config.
    var boldness: Boldness {
        Boldness(thresholdFlag: threshold, noModel: noModel, git: GitSettings.read())
    }

    /// Resolver options with the model loaded; a model that is asked for but cannot be loaded turns
    /// resolution off (git's line merge) and says why on stderr.
    func resolverOptions(path: String?, style: ConflictStyle = .merge, markers: ConflictMarkers = ConflictMarkers()) -> ResolverOptions {
        let boldness = self.boldness
        boldness.warnings.forEach { printError("mergebert: \($0)") }
        if explain { printError("mergebert: \(boldness.summary)") }
        var options = ResolverOptions(style: style, markers: markers, path: path, resolutionEnabled: boldness.mode != .off,
                                      tokenMergeEnabled: !noTokenMerge)
        options.threshold = boldness.threshold
        guard boldness.mode == .model, !noTokenMerge else { return options }
        switch loadResolutionModel(explicit: model) {
        case .success(let loaded): options.model = loaded
        case .failure(let error):
            printError("mergebert: \(error); git's line merge kept")
            options.resolutionEnabled = false
        }
        return options
    }
}

/// The model named by `explicit`, else the one `ResolutionModel.discover` finds, else none.
func loadResolutionModel(explicit: String?) -> Result<ResolutionModel?, Error> {
    guard let directory = explicit.map({ URL(fileURLWithPath: $0) }) ?? ResolutionModel.discover() else { return .success(nil) }
    return Result { try ResolutionModel(directory: directory) }
}

func readFile(_ path: String) throws -> [UInt8] {
    do {
        return try PlainFile.read(path)
    } catch {
        throw CommandLineError.unreadable(path: path, reason: error.reason)
    }
}

/// Replaces `path` atomically (temporary file in the same folder, then rename), keeping its permissions.
func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
    do {
        try PlainFile.writeAtomically(bytes, to: path)
    } catch {
        throw CommandLineError.unwritable(path: path, reason: error.reason)
    }
}

func writeStandardOutput(_ bytes: [UInt8]) {
    FileHandle.standardOutput.write(Data(bytes))
}

func jsonText<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
}

/// Prints the report where asked and on `--explain`, and a skip reason always (one line on stderr), except
/// "turned off": either the user asked for it (MERGEBERT=0) or the model's error was already printed.
func emitReport(_ report: MergeReport, options: ResolutionOptions) {
    if options.explain {
        report.explanation.forEach(printError)
    } else if let skipped = report.skipped, skipped != "no conflict markers", skipped != SkipReason.disabled.description {
        printError("mergebert: \(report.path ?? "input"): \(skipped)")
    }
}
