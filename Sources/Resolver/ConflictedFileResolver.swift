import MergeCore

/// Resolves a file that already holds git's conflict markers (`mergebert resolve`).
///
/// With base sections the three sides are rebuilt from the file; with plain `merge` markers they come from
/// git's index (stages 1-3). The sides are merged again; when that reproduces the file exactly, the
/// pipeline's result is used. Otherwise, with base sections, each conflict is resolved on its own and
/// everything else stays byte for byte; without them, the file is left alone.
public struct ConflictedFileResolver: Sendable {
    public var options: ResolverOptions

    public init(options: ResolverOptions) {
        self.options = options
    }

    /// Why a conflicted file cannot be resolved.
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case unparsable(ConflictedFile.ParseError)
        case noBase(path: String)

        public var description: String {
            switch self {
            case .unparsable(let error):
                "cannot read the conflict markers: \(error); fix them by hand or re-create them with `git checkout --conflict=diff3 <file>`"
            case .noBase(let path):
                "\(path) has 'merge'-style markers and git's index holds no conflict for it, so the base is unknown; "
                    + "re-create the markers with `git checkout --conflict=diff3 \(path)` (during a merge) or set merge.conflictStyle=diff3"
            }
        }
    }

    /// `indexStages` gives (base, ours, theirs) from git's index for this file, when there are any.
    public func resolve(_ text: [UInt8], indexStages: () throws -> (base: [UInt8], ours: [UInt8], theirs: [UInt8])?) throws -> Resolution {
        let file: ConflictedFile
        do {
            file = try ConflictedFile(parsing: text)
        } catch let error as ConflictedFile.ParseError {
            throw Failure.unparsable(error)
        }
        var options = self.options
        options.markers.size = file.markerSize
        let language = SourceLanguage.forPath(options.path)
        if !file.conflicts.isEmpty, let regenerated = RegeneratedFile.kind(path: options.path, texts: [text]) {
            return Resolution(text: text, report: MergeReport(path: options.path, language: language.name,
                                                              skipped: regenerated.description,
                                                              regions: [], isClean: false))
        }
        guard let first = file.conflicts.first, options.resolutionEnabled else {
            if !file.conflicts.isEmpty {
                return Resolution(text: text, report: MergeReport(path: options.path, language: language.name,
                                                                  skipped: SkipReason.disabled.description, regions: [], isClean: false))
            }
            return Resolution(text: text, report: MergeReport(path: options.path, language: language.name,
                                                              skipped: "no conflict markers", regions: [], isClean: true))
        }
        options.markers.oursLabel = first.oursLabel
        options.markers.theirsLabel = first.theirsLabel
        options.markers.baseLabel = first.baseLabel

        if let base = file.rebuildBase() {
            let ours = file.rebuild(\.ours), theirs = file.rebuild(\.theirs)
            for style in [ConflictStyle.diff3, .zdiff3] {
                options.style = style
                if try reproduces(text, base: base, ours: ours, theirs: theirs, options: options) {
                    return try Resolver(options: options).resolve(base: base, ours: ours, theirs: theirs)
                }
            }
            return resolveEachConflict(file, language: language)
        }
        guard let stages = try indexStages() else { throw Failure.noBase(path: options.path ?? "the file") }
        options.style = .merge
        guard try reproduces(text, base: stages.base, ours: stages.ours, theirs: stages.theirs, options: options) else {
            return Resolution(text: text, report: MergeReport(
                path: options.path, language: language.name,
                skipped: "the file differs from what git's merge of the index stages gives (edited since?); left as it is",
                regions: [], isClean: false))
        }
        return try Resolver(options: options).resolve(base: stages.base, ours: stages.ours, theirs: stages.theirs)
    }

    /// Whether git's line merge of the sides, with these labels and style, is exactly `text`.
    private func reproduces(_ text: [UInt8], base: [UInt8], ours: [UInt8], theirs: [UInt8], options: ResolverOptions) throws -> Bool {
        var lineOnly = options
        lineOnly.tokenMergeEnabled = false
        return try Resolver(options: lineOnly).resolve(base: base, ours: ours, theirs: theirs).text == text
    }

    /// Resolves each diff3 conflict from its own three sections, leaving all other bytes untouched.
    private func resolveEachConflict(_ file: ConflictedFile, language: SourceLanguage) -> Resolution {
        let regionResolver = RegionResolver(tokenizer: Tokenizer(language: language), model: options.model, threshold: options.threshold)
        var output: [UInt8] = []
        var report = MergeReport(path: options.path, language: language.name, skipped: nil, regions: [], isClean: false)
        var line = 1
        let merges = options.tokenMergeEnabled
            ? file.conflicts.map { regionResolver.tokenMerge(base: $0.base ?? [], ours: $0.ours, theirs: $0.theirs) } : []
        let context = regionResolver.context(of: merges)
        for piece in file.pieces {
            switch piece {
            case .text(let text):
                output += text
                line += text.filter { $0 == UInt8(ascii: "\n") }.count
            case .conflict(let conflict):
                var region = RegionReport(index: report.regions.count + 1, oursLine: line, oursLines: splitLines(conflict.ours).count,
                                          baseLines: splitLines(conflict.base ?? []).count, theirsLines: splitLines(conflict.theirs).count,
                                          fate: .left, tokenConflicts: 0, reason: "token merge off")
                var written = conflict.original
                if options.tokenMergeEnabled {
                    let outcome = regionResolver.resolve(merges[report.regions.count], base: conflict.base ?? [], ours: conflict.ours,
                                                         theirs: conflict.theirs, context: context)
                    region = RegionReport(region, outcome: outcome)
                    written = outcome.text ?? conflict.original
                }
                report.regions.append(region)
                output += written
                line += written.filter { $0 == UInt8(ascii: "\n") }.count
            }
        }
        report.isClean = report.leftCount == 0
        return Resolution(text: output, report: report)
    }
}
