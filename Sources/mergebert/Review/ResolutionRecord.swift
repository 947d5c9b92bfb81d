import Foundation
import MergeCore
import Resolver

/// What the driver wrote for one file, kept so that `review` can show it and `review --undo` can put
/// git's markers back: the three sides, how git would have written them, and every resolved region.
struct ResolutionRecord: Codable, Equatable {
    /// One resolved region: where it was, what was written and why.
    struct Region: Codable, Equatable {
        /// 0-based position among the file's conflict regions.
        var position: Int
        /// 1-based line of ours where the region starts.
        var oursLine: Int
        /// The candidate kind (`token_merge`, a pattern, `token_patterns`) and its probability.
        var kind: String
        var probability: Double?
        var reason: String
        var base: String
        var ours: String
        var theirs: String
        var written: String
    }

    var id: String
    var time: Date
    var toolVersion: String
    /// The model directory, or nil for clean token merges only.
    var model: String?
    var operationKind: String
    var operationKey: String
    /// The path in the repository (`%P`).
    var path: String
    var style: ConflictStyle
    var markerSize: Int
    var labels: [String]
    var algorithm: DiffAlgorithm
    var joinsAcrossLinesWithoutAlphanumerics: Bool
    /// The whole files, as git handed them to the driver.
    var base: String
    var ours: String
    var theirs: String
    /// The file as the driver wrote it.
    var written: String
    var regions: [Region]
    /// Regions left with markers.
    var left: Int

    var markers: ConflictMarkers {
        ConflictMarkers(oursLabel: labels[0], baseLabel: labels[1], theirsLabel: labels[2], size: markerSize)
    }

    var lineMerge: LineMerge {
        LineMerge(base: Array(base.utf8), ours: Array(ours.utf8), theirs: Array(theirs.utf8),
                  flavor: LineMergeFlavor(algorithm: algorithm, joinsAcrossLinesWithoutAlphanumerics: joinsAcrossLinesWithoutAlphanumerics))
    }

    /// The file as it would be with only the regions at `kept` positions resolved (git's markers elsewhere).
    func text(keeping kept: Set<Int>) -> [UInt8] {
        let merge = lineMerge
        let changes = merge.regions
        var resolutions: [Int: [UInt8]] = [:]
        for region in regions where kept.contains(region.position) && region.position < changes.count {
            resolutions[changes[region.position].changeIndex] = Array(region.written.utf8)
        }
        return merge.render(style: style, markers: markers, resolutions: resolutions)
    }
}

extension ConflictStyle: Codable {}
extension DiffAlgorithm: Codable {}

/// The records of one repository, one JSON file each in `.git/mergebert/records` (never the work tree).
/// Each driver process writes its own file atomically, so parallel runs cannot corrupt one another.
struct RecordStore {
    let directory: URL
    /// Records older than this many days, and operations beyond the newest `maximumOperations`, are pruned.
    var maximumAgeDays = 30.0
    var maximumOperations = 100

    init(gitDirectory: String) {
        directory = URL(fileURLWithPath: gitDirectory).appendingPathComponent("mergebert/records")
    }

    /// Why a record could not be kept or read.
    enum Failure: Error, CustomStringConvertible {
        case unwritable(String, String)
        case unreadable(String, String)

        var description: String {
            switch self {
            case .unwritable(let path, let reason): "cannot keep the resolution record in \(path): \(reason)"
            case .unreadable(let path, let reason): "cannot read the resolution record \(path): \(reason); remove it or run `mergebert review --accept --all`"
            }
        }
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    func write(_ record: ResolutionRecord) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let data = try Self.encoder().encode(record)
            // Written under a temporary name in the same folder, then renamed: readers see whole records only.
            let temporary = directory.appendingPathComponent(".\(record.id).tmp")
            try data.write(to: temporary)
            guard rename(temporary.path, directory.appendingPathComponent("\(record.id).json").path) == 0 else {
                throw CocoaError(.fileWriteUnknown)
            }
        } catch {
            throw Failure.unwritable(directory.path, (error as NSError).localizedDescription)
        }
        prune()
    }

    /// Every record, oldest first.
    func all() throws -> [ResolutionRecord] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        var records: [ResolutionRecord] = []
        for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let url = directory.appendingPathComponent(name)
            do {
                records.append(try decoder.decode(ResolutionRecord.self, from: Data(contentsOf: url)))
            } catch {
                throw Failure.unreadable(url.path, "\(error)")
            }
        }
        return records.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
    }

    func remove(_ record: ResolutionRecord) {
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(record.id).json"))
    }

    /// Drops records past the age limit and operations beyond the newest `maximumOperations`.
    func prune(now: Date = Date()) {
        guard let records = try? all() else { return }
        var operations: [String] = []
        for record in records.reversed() where !operations.contains(record.operationKey) { operations.append(record.operationKey) }
        let kept = Set(operations.prefix(maximumOperations))
        for record in records where now.timeIntervalSince(record.time) > maximumAgeDays * 86_400 || !kept.contains(record.operationKey) {
            remove(record)
        }
    }

    /// A new record id: short enough to type, unique across parallel driver processes.
    static func newID() -> String {
        String(format: "%08x", UInt32.random(in: 0...UInt32.max))
    }
}

extension ResolutionRecord {
    /// The record of a driver run that resolved at least one region, or nil when it resolved none.
    init?(resolution: Resolution, base: [UInt8], ours: [UInt8], theirs: [UInt8], path: String, options: ResolverOptions,
          operationKind: String, operationKey: String) {
        let resolved = resolution.report.regions.enumerated().filter { $0.element.fate != .left }
        guard !resolved.isEmpty else { return nil }
        let merge = LineMerge(base: base, ours: ours, theirs: theirs, flavor: options.flavor)
        let sides = merge.regions
        func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        regions = resolved.compactMap { position, report in
            guard position < sides.count, let text = resolution.regionResolutions[position] else { return nil }
            return Region(position: position, oursLine: report.oursLine, kind: report.method ?? "token_merge",
                          probability: report.probability, reason: report.reason, base: string(sides[position].base),
                          ours: string(sides[position].ours), theirs: string(sides[position].theirs), written: string(text))
        }
        id = RecordStore.newID()
        time = Date()
        toolVersion = ToolVersion.current
        model = options.model?.directory.path
        self.operationKind = operationKind
        self.operationKey = operationKey
        self.path = path
        style = options.style
        markerSize = options.markers.size
        labels = [options.markers.oursLabel ?? "ours", options.markers.baseLabel ?? "base", options.markers.theirsLabel ?? "theirs"]
        algorithm = options.flavor.algorithm
        joinsAcrossLinesWithoutAlphanumerics = options.flavor.joinsAcrossLinesWithoutAlphanumerics
        self.base = string(base)
        self.ours = string(ours)
        self.theirs = string(theirs)
        written = string(resolution.text)
        left = resolution.report.leftCount
    }
}
