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
    /// Which of git's line merges gives the regions and the text of unresolved ones.
    public var flavor: LineMergeFlavor = .gitMerge
    /// The classifier for token conflicts and regions; nil resolves only clean token merges.
    public var model: ResolutionModel?
    /// Overrides the model's calibrated confidence threshold.
    public var threshold: Double?

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
    /// What the resolver decided for each region it looked at, by 0-based region position (`eval`).
    public var regionOutcomes: [Int: RegionResolver.Outcome] = [:]
    /// Whether a tool writes the file (looked at only when git's line merge conflicts); its regions keep
    /// git's markers when the token merge is on.
    public var regenerated: RegeneratedFile? = nil
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

        if [base, ours, theirs].contains(where: isBinaryForGit) {
            // git does not line-merge binary files: it keeps ours and reports a conflict.
            report.skipped = SkipReason.binary.description
            report.isClean = base == ours || base == theirs || ours == theirs
            return Resolution(text: base == ours ? theirs : ours, report: report)
        }
        let lineMerge = LineMerge(base: base, ours: ours, theirs: theirs, flavor: options.flavor)
        let gitText = lineMerge.render(style: options.style, markers: options.markers)
        func keepGit(_ reason: SkipReason) -> Resolution {
            report.skipped = reason.description
            report.isClean = !lineMerge.hasConflicts(style: options.style)
            return Resolution(text: gitText, report: report)
        }
        if !options.resolutionEnabled { return keepGit(.disabled) }
        if let reason = InputScreen.reasonToSkip([base, ours, theirs], sizeLimit: options.sizeLimit, markerSize: options.markers.size) {
            return keepGit(reason)
        }

        let tokenizer = Tokenizer(language: language)
        var resolutions: [Int: [UInt8]] = [:]
        var regionResolutions: [Int: [UInt8]] = [:]
        var regionOutcomes: [Int: RegionResolver.Outcome] = [:]
        let regionResolver = RegionResolver(tokenizer: tokenizer, model: options.model, threshold: options.threshold)
        let regenerated = lineMerge.regions.isEmpty ? nil : RegeneratedFile.kind(path: options.path, texts: [base, ours, theirs])
        // Each region's sides are tokenized once, for the file's context and for its own decision.
        let merges = options.tokenMergeEnabled && regenerated == nil
            ? lineMerge.regions.map { regionResolver.tokenMerge(base: $0.base, ours: $0.ours, theirs: $0.theirs) } : []
        let context = regionResolver.context(of: merges)
        for (position, region) in lineMerge.regions.enumerated() {
            var regionReport = RegionReport(index: position + 1, oursLine: region.oursLine,
                                            oursLines: lineMerge.merge.changes[region.changeIndex].oursCount,
                                            baseLines: lineMerge.merge.changes[region.changeIndex].baseCount,
                                            theirsLines: lineMerge.merge.changes[region.changeIndex].theirsCount,
                                            fate: .left, tokenConflicts: 0, reason: "token merge off")
            if options.tokenMergeEnabled, let regenerated {
                regionReport.reason = regenerated.description
            } else if options.tokenMergeEnabled {
                let outcome = regionResolver.resolve(merges[position], base: region.base, ours: region.ours, theirs: region.theirs, context: context)
                regionReport = RegionReport(regionReport, outcome: outcome)
                regionOutcomes[position] = outcome
                if let text = outcome.text {
                    resolutions[region.changeIndex] = text
                    regionResolutions[position] = text
                }
            }
            report.regions.append(regionReport)
        }
        report.isClean = report.leftCount == 0
        let text = resolutions.isEmpty ? gitText
            : lineMerge.render(style: options.style, markers: options.markers, resolutions: resolutions)
        return Resolution(text: text, report: report, regionResolutions: regionResolutions, regionOutcomes: regionOutcomes,
                          regenerated: regenerated)
    }

}

