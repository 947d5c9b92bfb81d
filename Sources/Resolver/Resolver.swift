import GitBridge
import MergeCore

/// How to resolve: marker style and labels, and which stages run.
public struct ResolverOptions: Sendable {
    public var style: ConflictStyle
    public var markers: ConflictMarkers
    /// Path of the file, for its language (git hands the driver temporary files without extensions).
    public var path: String?
    /// False leaves git's line merge untouched (`MERGEBERT=0`).
    public var resolutionEnabled: Bool
    /// False stops after the line merge: every region keeps git's markers.
    public var tokenMergeEnabled: Bool
    /// Inputs larger than this skip resolution.
    public var sizeLimit: Int

    public static let defaultSizeLimit = 4 << 20

    public init(style: ConflictStyle = .merge, markers: ConflictMarkers = ConflictMarkers(), path: String? = nil,
                resolutionEnabled: Bool = true, tokenMergeEnabled: Bool = true, sizeLimit: Int = ResolverOptions.defaultSizeLimit) {
        self.style = style
        self.markers = markers
        self.path = path
        self.resolutionEnabled = resolutionEnabled
        self.tokenMergeEnabled = tokenMergeEnabled
        self.sizeLimit = sizeLimit
    }
}

/// The merged text and the report of how each region ended.
public struct Resolution: Sendable {
    public var text: [UInt8]
    public var report: MergeReport
    /// The text that replaced each resolved region, by 0-based region position.
    public var regionResolutions: [Int: [UInt8]] = [:]
    public var isClean: Bool { report.isClean }
}

/// The pipeline of DESIGN.md: screen the inputs, merge lines as git does, merge each region's tokens,
/// keep what is safe, and write the rest with git's markers.
public struct Resolver: Sendable {
    public var options: ResolverOptions

    public init(options: ResolverOptions) {
        self.options = options
    }

    public func resolve(base: [UInt8], ours: [UInt8], theirs: [UInt8]) throws -> Resolution {
        let language = SourceLanguage.forPath(options.path)
        var report = MergeReport(path: options.path, language: language.name, skipped: nil, regions: [], isClean: false)

        if base.contains(0) || ours.contains(0) || theirs.contains(0) {
            // git does not line-merge binary files: it keeps ours and reports a conflict.
            report.skipped = SkipReason.binary.description
            report.isClean = base == theirs || ours == theirs
            return Resolution(text: base == ours ? theirs : ours, report: report)
        }
        let gitMerge = try MergeFile.merge(base: base, ours: ours, theirs: theirs, style: options.style, markers: options.markers)
        func keepGit(_ reason: SkipReason) -> Resolution {
            report.skipped = reason.description
            report.isClean = gitMerge.isClean
            return Resolution(text: gitMerge.text, report: report)
        }
        if !options.resolutionEnabled { return keepGit(.disabled) }
        if let reason = InputScreen.reasonToSkip([base, ours, theirs], sizeLimit: options.sizeLimit, markerSize: options.markers.size) {
            return keepGit(reason)
        }

        let lineMerge = LineMerge(base: base, ours: ours, theirs: theirs)
        guard lineMerge.render(style: options.style, markers: options.markers) == gitMerge.text else {
            return keepGit(.lineMergeMismatch)
        }

        let tokenizer = Tokenizer(language: language)
        var resolutions: [Int: [UInt8]] = [:]
        var regionResolutions: [Int: [UInt8]] = [:]
        for (position, region) in lineMerge.regions.enumerated() {
            var regionReport = RegionReport(index: position + 1, oursLine: region.oursLine,
                                            oursLines: lineMerge.merge.changes[region.changeIndex].oursCount,
                                            baseLines: lineMerge.merge.changes[region.changeIndex].baseCount,
                                            theirsLines: lineMerge.merge.changes[region.changeIndex].theirsCount,
                                            fate: .left, tokenConflicts: 0, reason: "token merge off")
            if options.tokenMergeEnabled {
                let regionResolver = RegionResolver(tokenizer: tokenizer)
                let outcome = regionResolver.resolve(base: region.base, ours: region.ours, theirs: region.theirs)
                regionReport.tokenConflicts = outcome.tokenConflicts
                regionReport.reason = outcome.reason
                if let text = outcome.text {
                    resolutions[region.changeIndex] = text
                    regionResolutions[position] = text
                    regionReport.fate = .tokenMerged
                }
            }
            report.regions.append(regionReport)
        }
        report.isClean = report.leftCount == 0
        let text = resolutions.isEmpty ? gitMerge.text
            : lineMerge.render(style: options.style, markers: options.markers, resolutions: resolutions)
        return Resolution(text: text, report: report, regionResolutions: regionResolutions)
    }

}

/// Resolves one region from its three texts, or says why not.
public struct RegionResolver: Sendable {
    public let tokenizer: Tokenizer

    public init(tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// The outcome for one region: its resolved text (nil when left), token conflicts, and why.
    public struct Outcome: Sendable {
        public var text: [UInt8]?
        public var tokenConflicts: Int
        public var reason: String
    }

    public func resolve(base: [UInt8], ours: [UInt8], theirs: [UInt8]) -> Outcome {
        let baseTokens = tokenizer.tokenize(base)
        let oursTokens = tokenizer.tokenize(ours)
        let theirsTokens = tokenizer.tokenize(theirs)
        let merge = TokenMerge(base: baseTokens, ours: oursTokens, theirs: theirsTokens)
        let conflicts = merge.conflicts.count
        guard let merged = merge.cleanResult else {
            return Outcome(text: nil, tokenConflicts: conflicts,
                           reason: "\(conflicts) token conflict\(conflicts == 1 ? "" : "s") left; no model to classify them")
        }
        if let problem = SafetyCheck.problem(resolution: merged, base: baseTokens, ours: oursTokens, theirs: theirsTokens) {
            return Outcome(text: nil, tokenConflicts: 0, reason: "token merge refused: \(problem)")
        }
        return Outcome(text: merged.joinedBytes, tokenConflicts: 0, reason: "the two sides change different tokens")
    }
}
