import ArgumentParser
import Dispatch
import Foundation
import GitBridge
import MergeCore
import Resolver

/// `mergebert driver %O %A %B %L %P`: git's merge-driver protocol. Writes the result into `%A`; exits 0
/// when everything is resolved, 1 when markers remain.
///
/// Safety first: git's own line merge is written to `%A` before resolution starts, so an error, a timeout
/// or even a crash leaves exactly what git would have left, and git reports the conflict.
struct Driver: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge driver for git: mergebert driver %O %A %B %L %P (see `mergebert install`).")

    @Argument(help: "%O: the merge base.") var base: String
    @Argument(help: "%A: ours; the result is written here.") var ours: String
    @Argument(help: "%B: theirs.") var theirs: String
    @Argument(help: "%L: conflict marker size.") var markerSize: String = "7"
    @Argument(help: "%P: the path being merged, for its language.") var path: String?
    /// git 2.39 passes `%S %X %Y` literally; newer gits pass names. Neither is needed.
    @Argument(help: .hidden) var ignored: [String] = []

    static let defaultTimeout = 10.0

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let oursBytes: [UInt8], baseBytes: [UInt8], theirsBytes: [UInt8]
        do {
            (baseBytes, oursBytes, theirsBytes) = (try readFile(base), try readFile(ours), try readFile(theirs))
        } catch {
            // Nothing was written: %A still holds ours, and git reports the conflict.
            printError("mergebert: \(error)")
            throw ExitCode(2)
        }
        let context = GitMergeContext.discover(path: path, markerSize: Int(markerSize) ?? 7)
        let name = path ?? ours

        let fallback = Self.gitLineMerge(base: baseBytes, ours: oursBytes, theirs: theirsBytes, context: context)
        try writeFileAtomically(fallback.text, to: ours)
        if environment["MERGEBERT"] == "0" { throw ExitCode(fallback.isClean ? 0 : 1) }
        if let reason = context.disabledReason {
            printError("mergebert: \(name): \(reason); git's line merge kept")
            throw ExitCode(fallback.isClean ? 0 : 1)
        }

        var options = ResolverOptions(style: context.style, markers: context.markers, path: path)
        switch loadResolutionModel(explicit: nil) {
        case .success(let model): options.model = model
        case .failure(let error):
            printError("mergebert: \(name): \(error); git's line merge kept")
            throw ExitCode(fallback.isClean ? 0 : 1)
        }
        let timeout = Double(environment["MERGEBERT_TIMEOUT"] ?? "") ?? Self.defaultTimeout
        let fault = environment["MERGEBERT_FAULT"]
        switch Self.resolve(base: baseBytes, ours: oursBytes, theirs: theirsBytes, options: options, timeout: timeout, fault: fault) {
        case .success(let resolution):
            if resolution.text != fallback.text { try writeFileAtomically(resolution.text, to: ours) }
            if let skipped = resolution.report.skipped { printError("mergebert: \(name): \(skipped)") }
            throw ExitCode(resolution.isClean ? 0 : 1)
        case .failure(let error):
            printError("mergebert: \(name): \(error); git's line merge kept")
            throw ExitCode(1)
        }
    }

    /// git's line merge for the context, or, if even libgit2 fails, one conflict holding all three files.
    static func gitLineMerge(base: [UInt8], ours: [UInt8], theirs: [UInt8], context: GitMergeContext) -> (text: [UInt8], isClean: Bool) {
        if base.contains(0) || ours.contains(0) || theirs.contains(0) { return (ours, false) }
        if let merged = try? MergeFile.merge(base: base, ours: ours, theirs: theirs, style: context.style, markers: context.markers) {
            return (merged.text, merged.isClean)
        }
        let renderer = MergeRenderer(base: splitLines(base), ours: splitLines(ours), theirs: splitLines(theirs))
        let whole = MergeChange(kind: .conflict, baseStart: 0, baseCount: renderer.base.count, oursStart: 0,
                                oursCount: renderer.ours.count, theirsStart: 0, theirsCount: renderer.theirs.count)
        return (renderer.render([whole], style: .diff3, markers: context.markers), false)
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
