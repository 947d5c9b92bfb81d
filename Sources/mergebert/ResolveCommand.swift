import ArgumentParser
import Foundation
import GitBridge
import MergeCore
import Resolver

/// `mergebert resolve [FILE...]`: resolves files that already hold conflict markers, in place.
struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resolve conflict markers in files, in place (default: every unmerged file of the index).",
        discussion: """
            diff3/zdiff3 markers carry the base, so the file alone is enough. With plain merge markers the \
            three versions come from git's index, so run it during the merge. A file the merge driver already \
            partly resolved is resolved further from its record (see `mergebert review`). Regions that cannot be \
            resolved stay exactly as they were. Exit codes: 0 everything resolved, 1 conflicts remain, 2 error.
            """)

    @Argument(help: "Files holding conflict markers (default: the index's unmerged files).") var files: [String] = []

    @Flag(help: "Keep a FILE.orig copy of the original.") var backup = false
    @Flag(help: .hidden) var noBackup = false

    @Flag(help: "Print the result on stdout instead of writing the file.") var stdout = false

    @OptionGroup var resolution: ResolutionOptions

    /// No unmerged file to resolve, and what to do instead.
    enum Failure: Error, CustomStringConvertible {
        case nothingToResolve

        var description: String {
            "no file given and the index holds no unmerged file: name the files with conflict markers (`mergebert resolve FILE`)"
        }
    }

    func run() throws {
        let options = resolution.resolverOptions(path: nil)
        var files = self.files
        var repositoryRoot: URL?
        if let repository = try? Repository(discoveringFrom: FileManager.default.currentDirectoryPath), let root = repository.workingDirectory {
            repositoryRoot = URL(fileURLWithPath: root)
            if files.isEmpty { files = try repository.unmergedPaths().map { URL(fileURLWithPath: root).appendingPathComponent($0).path } }
        }
        if files.isEmpty { throw Failure.nothingToResolve }
        var failed = false
        var conflictsRemain = false
        var reports: [MergeReport] = []
        for file in files {
            do {
                let result = try resolve(file, options: options, root: repositoryRoot)
                reports.append(result.report)
                conflictsRemain = conflictsRemain || !result.isClean
                if !stdout && !resolution.json && result.report.skipped == nil {
                    printError("mergebert: \(result.report.path ?? file): resolved \(result.report.resolvedCount) of \(result.report.regions.count) conflicts")
                }
            } catch {
                printError("mergebert: \(file): \(error)")
                failed = true
            }
        }
        if resolution.json { print(jsonText(reports)) }
        if failed { throw ExitCode(2) }
        if conflictsRemain { throw ExitCode(1) }
    }

    private func resolve(_ file: String, options: ResolverOptions, root: URL?) throws -> Resolution {
        let original = try readFile(file)
        var options = options
        options.path = file
        let result: Resolution
        if let root, let further = try resolveFurther(file, current: original, options: options, root: root) {
            result = further
        } else {
            result = try ConflictedFileResolver(options: options).resolve(original) { try Self.indexStages(of: file) }
        }
        if stdout {
            writeStandardOutput(result.text)
        } else if result.text != original {
            if backup && !noBackup { try writeFileAtomically(original, to: file + ".orig") }
            try writeFileAtomically(result.text, to: file)
        }
        emitReport(result.report, options: resolution)
        return result
    }

    /// When the driver's record of `file` still matches it, resolves the regions it left, keeping the
    /// ones it resolved, and updates the record.
    private func resolveFurther(_ file: String, current: [UInt8], options: ResolverOptions, root: URL) throws -> Resolution? {
        guard let repository = try? Repository(discoveringFrom: root.path), let path = repository.indexPath(of: file) else { return nil }
        let store = RecordStore(gitDirectory: repository.gitDirectory)
        guard let record = (try? store.all())?.last(where: { $0.path == path }), Array(record.written.utf8) == current else { return nil }
        var options = options
        options.path = path
        options.style = record.style
        options.markers = record.markers
        options.flavor = record.lineMerge.flavor
        var result = try Resolver(options: options).resolve(base: Array(record.base.utf8), ours: Array(record.ours.utf8),
                                                            theirs: Array(record.theirs.utf8))
        let merge = record.lineMerge
        let regions = merge.regions
        var resolutions: [Int: [UInt8]] = [:]
        for (position, text) in result.regionResolutions { resolutions[regions[position].changeIndex] = text }
        for region in record.regions where region.position < regions.count {
            resolutions[regions[region.position].changeIndex] = Array(region.written.utf8)
            result.regionResolutions[region.position] = Array(region.written.utf8)
            if result.report.regions.indices.contains(region.position) {
                result.report.regions[region.position].fate = region.kind == "token_merge" ? .tokenMerged : .modelResolved
                result.report.regions[region.position].reason = "resolved by the merge driver: \(region.reason)"
            }
        }
        result.text = merge.render(style: record.style, markers: record.markers, resolutions: resolutions)
        result.report.isClean = result.report.leftCount == 0
        if var updated = ResolutionRecord(resolution: result, base: Array(record.base.utf8), ours: Array(record.ours.utf8),
                                          theirs: Array(record.theirs.utf8), path: path, options: options,
                                          operationKind: record.operationKind, operationKey: record.operationKey) {
            updated.id = record.id
            try store.write(updated)
        }
        return result
    }

    /// The index's stages 1-3 for `file`, when it sits in a repository in the middle of a merge.
    static func indexStages(of file: String) throws -> (base: [UInt8], ours: [UInt8], theirs: [UInt8])? {
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        guard let repository = try? Repository(discoveringFrom: directory),
              let path = repository.indexPath(of: file),
              let conflict = try repository.indexConflict(path: path),
              let ours = conflict.ours, let theirs = conflict.theirs else { return nil }
        return (conflict.base ?? [], ours, theirs)
    }
}
