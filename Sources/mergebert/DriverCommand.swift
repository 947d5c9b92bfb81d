import ArgumentParser
import Dispatch
import DriverCore
import Foundation
import GitBridge
import MergeCore
import Resolver

/// `mergebert driver %O %A %B %L %P %S %X %Y`: git's merge-driver protocol. Writes the result into `%A`;
/// exits 0 when everything is resolved, 1 when markers remain.
///
/// Safety first: the command line is read without failing (`DriverArguments`), and git's own line merge
/// is written to `%A` before anything else runs, so an unknown option, an error, a timeout or even a crash
/// leaves exactly what git would have left, and git reports the conflict.
struct Driver: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge driver for git: mergebert driver %O %A %B %L %P %S %X %Y (see `mergebert install`).",
        discussion: """
            Options in the driver line: --threshold P, --model DIR, --no-model; others are reported and ignored. \
            Also read: MERGEBERT=0, MERGEBERT_THRESHOLD, MERGEBERT_MODEL, MERGEBERT_TIMEOUT (seconds, default 10), \
            git config mergebert.enabled and mergebert.threshold, the attribute -mergebert.
            """)

    @Argument(parsing: .captureForPassthrough, help: "git's placeholders and driver options.")
    var arguments: [String] = []

    static let defaultTimeout = 10.0

    func run() throws {
        throw ExitCode(Self.run(DriverArguments(arguments)))
    }

    /// The whole driver run; returns the exit code git sees.
    static func run(_ arguments: DriverArguments) -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        guard let base = arguments.base, let ours = arguments.ours, let theirs = arguments.theirs else {
            printError("mergebert driver: expected %O %A %B %L %P in the driver command; check `git config merge.mergebert.driver` or run `mergebert install` again")
            return 2
        }
        let baseBytes: [UInt8], oursBytes: [UInt8], theirsBytes: [UInt8]
        do {
            (baseBytes, oursBytes, theirsBytes) = (try readFile(base), try readFile(ours), try readFile(theirs))
        } catch {
            // Nothing was written: %A still holds ours, and git reports the conflict.
            printError("mergebert: \(error)")
            return 2
        }
        let name = arguments.path ?? ours
        let operation = GitOperation.fromProcessAncestry()
        if let merged = CleanLineMerge.text(base: baseBytes, ours: oursBytes, theirs: theirsBytes, flavor: operation.flavor) {
            do {
                try writeFileAtomically(merged, to: ours)
            } catch {
                printError("mergebert: \(error)")
                return 2
            }
            return 0
        }
        let context = GitMergeContext.discover(
            path: arguments.path, markerSize: arguments.markerSize,
            passedLabels: arguments.passedLabels,
            contents: (baseBytes, oursBytes, theirsBytes), operation: operation)
        var options = ResolverOptions(style: context.style, markers: context.markers, path: arguments.path)
        options.flavor = context.flavor

        var lineOnly = options
        lineOnly.resolutionEnabled = false
        let fallback: Resolution
        do {
            // git's line merge of the three files, as `git merge` writes it.
            fallback = try Resolver(options: lineOnly).resolve(base: baseBytes, ours: oursBytes, theirs: theirsBytes)
            try writeFileAtomically(fallback.text, to: ours)
        } catch {
            printError("mergebert: \(error)")
            return 2
        }
        let gitExit: Int32 = fallback.isClean ? 0 : 1
        if !arguments.ignored.isEmpty {
            printError("mergebert: ignored in the driver command: \(arguments.ignored.joined(separator: ", ")) (see `mergebert driver --help`)")
        }
        let boldness = Boldness(thresholdFlag: arguments.threshold, noModel: arguments.noModel, environment: environment,
                                git: context.settings)
        boldness.warnings.forEach { printError("mergebert: \($0)") }
        if boldness.mode == .off { return gitExit }
        if let reason = context.disabledReason {
            printError("mergebert: \(name): \(reason); git's line merge kept")
            return gitExit
        }
        if fallback.isClean || [baseBytes, oursBytes, theirsBytes].contains(where: isBinaryForGit) { return gitExit }

        options.threshold = boldness.threshold
        if boldness.mode == .model {
            switch loadResolutionModel(explicit: arguments.model) {
            case .success(let model): options.model = model
            case .failure(let error):
                printError("mergebert: \(name): \(error); git's line merge kept")
                return gitExit
            }
        }
        let timeout = Double(environment["MERGEBERT_TIMEOUT"] ?? "") ?? Self.defaultTimeout
        let fault = environment["MERGEBERT_FAULT"]
        switch Self.resolve(base: baseBytes, ours: oursBytes, theirs: theirsBytes, options: options, timeout: timeout, fault: fault) {
        case .success(let resolution):
            if resolution.text != fallback.text {
                do {
                    try writeFileAtomically(resolution.text, to: ours)
                } catch {
                    printError("mergebert: \(error); git's line merge kept")
                    return gitExit
                }
            }
            if let skipped = resolution.report.skipped { printError("mergebert: \(name): \(skipped)") }
            if resolution.report.resolvedCount > 0 {
                keepRecord(resolution, base: baseBytes, ours: oursBytes, theirs: theirsBytes, name: name, options: options, context: context)
            }
            return resolution.isClean ? 0 : 1
        case .failure(let error):
            printError("mergebert: \(name): \(error); git's line merge kept")
            return gitExit
        }
    }

    /// Says in one line what was written, and records it for `review`; a record that cannot be kept is
    /// reported and never changes the merge.
    static func keepRecord(_ resolution: Resolution, base: [UInt8], ours: [UInt8], theirs: [UInt8], name: String,
                           options: ResolverOptions, context: GitMergeContext) {
        let report = resolution.report
        let left = report.leftCount == 0 ? "" : ", \(report.leftCount) left with markers"
        printError("mergebert: \(name): resolved \(report.resolvedCount) of \(report.regions.count) conflicts\(left); "
                   + "review with `mergebert review`, undo with `mergebert review --undo \(name)`")
        guard let record = ResolutionRecord(resolution: resolution, base: base, ours: ours, theirs: theirs, path: name, options: options,
                                            operationKind: context.operationKind, operationKey: context.operationKey),
              let repository = try? Repository(discoveringFrom: FileManager.default.currentDirectoryPath) else { return }
        var store = RecordStore(gitDirectory: repository.gitDirectory)
        if let days = repository.configString("mergebert.recordDays").flatMap(Double.init) { store.maximumAgeDays = days }
        if let count = repository.configString("mergebert.recordOperations").flatMap(Int.init) { store.maximumOperations = count }
        do {
            try store.write(record)
        } catch {
            printError("mergebert: \(name): \(error); the merge is not affected")
        }
    }

    enum DriverFailure: Error, CustomStringConvertible {
        case timedOut(seconds: Double)
        case injected

        var description: String {
            switch self {
            case .timedOut(let seconds): "resolution took longer than \(seconds) s (MERGEBERT_TIMEOUT)"
            case .injected: "injected failure (MERGEBERT_FAULT=error)"
            }
        }
    }

    /// Resolves on a worker thread and gives up after `timeout` seconds. `fault` lets tests rehearse the
    /// failure paths: `error`, `hang` or `crash`.
    static func resolve(base: [UInt8], ours: [UInt8], theirs: [UInt8], options: ResolverOptions, timeout: Double,
                        fault: String?) -> Result<Resolution, Error> {
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let result = Result<Resolution, Error> {
                switch fault {
                case "error": throw DriverFailure.injected
                case "hang": Thread.sleep(forTimeInterval: .infinity)
                case "crash": fatalError("injected crash (MERGEBERT_FAULT=crash)")
                default: break
                }
                return try Resolver(options: options).resolve(base: base, ours: ours, theirs: theirs)
            }
            box.set(result)
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout) == .success, let result = box.get() else {
            return .failure(DriverFailure.timedOut(seconds: timeout))
        }
        return result
    }

    /// Hands the worker's result to the waiting thread.
    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<Resolution, Error>?

        func set(_ value: Result<Resolution, Error>) { lock.withLock { result = value } }
        func get() -> Result<Resolution, Error>? { lock.withLock { result } }
    }
}
