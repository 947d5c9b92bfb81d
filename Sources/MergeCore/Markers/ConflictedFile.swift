/// A file that already holds conflict markers, parsed back into clean text and conflicts.
///
/// With base sections (`diff3`, `zdiff3`) the three sides can be rebuilt from the file alone; with plain
/// `merge` markers the base is missing and has to come from elsewhere (git's index).
public struct ConflictedFile: Sendable {
    /// One conflict as it stands in the file.
    public struct Conflict: Sendable, Hashable {
        public var ours: [UInt8]
        public var base: [UInt8]?
        public var theirs: [UInt8]
        public var oursLabel: String?
        public var baseLabel: String?
        public var theirsLabel: String?
        /// The conflict's exact bytes, markers included.
        public var original: [UInt8]
    }

    /// Text outside conflicts, or a conflict.
    public enum Piece: Sendable, Hashable {
        case text([UInt8])
        case conflict(Conflict)
    }

    public let pieces: [Piece]
    /// Length of the marker runs found in the file.
    public let markerSize: Int

    public var conflicts: [Conflict] {
        pieces.compactMap { if case .conflict(let conflict) = $0 { conflict } else { nil } }
    }

    /// Whether every conflict shows its base, so the three sides can be rebuilt.
    public var hasBaseSections: Bool { !conflicts.isEmpty && conflicts.allSatisfy { $0.base != nil } }

    /// Why a file could not be parsed.
    public enum ParseError: Error, Hashable, CustomStringConvertible {
        case unterminatedConflict(line: Int)
        case unexpectedMarker(line: Int)

        public var description: String {
            switch self {
            case .unterminatedConflict(let line): "conflict opened at line \(line) has no closing '>>>>>>>' marker"
            case .unexpectedMarker(let line): "conflict marker out of order at line \(line)"
            }
        }
    }

    /// Parses `text`; markers are runs of at least 7 identical characters (or exactly `markerSize`).
    public init(parsing text: [UInt8], markerSize: Int? = nil) throws {
        let lines = splitLines(text)
        let size = markerSize ?? ConflictedFile.detectMarkerSize(lines) ?? 7
        self.markerSize = size

        enum Section { case outside, ours, base, theirs }
        var pieces: [Piece] = []
        var section = Section.outside
        var outside: [UInt8] = []
        var current = Conflict(ours: [], base: nil, theirs: [], original: [])
        var openedAt = 0

        func isMarker(_ line: ArraySlice<UInt8>, _ character: Character) -> Bool {
            ConflictMarkerScanner.isMarkerLine(line, character: character.asciiValue!, size: size)
        }
        for (number, line) in lines.enumerated() {
            switch section {
            case .outside:
                if isMarker(line, "<") {
                    if !outside.isEmpty { pieces.append(.text(outside)) }
                    outside = []
                    current = Conflict(ours: [], base: nil, theirs: [], oursLabel: ConflictedFile.label(line, size: size),
                                       original: Array(line))
                    openedAt = number + 1
                    section = .ours
                } else {
                    outside += line
                }
            case .ours, .base:
                current.original += line
                if isMarker(line, "|") && section == .ours {
                    current.base = []
                    current.baseLabel = ConflictedFile.label(line, size: size)
                    section = .base
                } else if isMarker(line, "=") {
                    section = .theirs
                } else if isMarker(line, "<") || isMarker(line, ">") || isMarker(line, "|") {
                    throw ParseError.unexpectedMarker(line: number + 1)
                } else if section == .ours {
                    current.ours += line
                } else {
                    current.base! += line
                }
            case .theirs:
                current.original += line
                if isMarker(line, ">") {
                    current.theirsLabel = ConflictedFile.label(line, size: size)
                    pieces.append(.conflict(current))
                    section = .outside
                } else if isMarker(line, "<") || isMarker(line, "|") || isMarker(line, "=") {
                    throw ParseError.unexpectedMarker(line: number + 1)
                } else {
                    current.theirs += line
                }
            }
        }
        if section != .outside { throw ParseError.unterminatedConflict(line: openedAt) }
        if !outside.isEmpty { pieces.append(.text(outside)) }
        self.pieces = pieces
    }

    /// The side rebuilt from clean text and each conflict's section (`base` needs base sections).
    public func rebuild(_ side: KeyPath<Conflict, [UInt8]>) -> [UInt8] {
        rebuild { $0[keyPath: side] }
    }

    public func rebuildBase() -> [UInt8]? {
        hasBaseSections ? rebuild { $0.base! } : nil
    }

    private func rebuild(_ section: (Conflict) -> [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        for piece in pieces {
            switch piece {
            case .text(let text): output += text
            case .conflict(let conflict): output += section(conflict)
            }
        }
        return output
    }

    /// The size of the first `<<<<<<<`-style marker run in the file, if any.
    static func detectMarkerSize(_ lines: [ArraySlice<UInt8>]) -> Int? {
        for line in lines where line.first == UInt8(ascii: "<") {
            let run = line.prefix { $0 == UInt8(ascii: "<") }.count
            if run >= 7 && ConflictMarkerScanner.isMarkerLine(line, character: UInt8(ascii: "<"), size: run) { return run }
        }
        return nil
    }

    /// The label after a marker run, without the line ending; nil for a bare marker.
    static func label(_ line: ArraySlice<UInt8>, size: Int) -> String? {
        var rest = line.dropFirst(size)
        guard rest.first == UInt8(ascii: " ") else { return nil }
        rest = rest.dropFirst()
        while let last = rest.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { rest = rest.dropLast() }
        return String(decoding: rest, as: UTF8.self)
    }
}

/// Recognises marker lines of one size.
public enum ConflictMarkerScanner {
    /// Whether `line` is exactly `size` copies of `character` followed by a space, a line ending or nothing.
    public static func isMarkerLine(_ line: ArraySlice<UInt8>, character: UInt8, size: Int) -> Bool {
        guard line.count >= size else { return false }
        var index = line.startIndex
        for _ in 0..<size {
            if line[index] != character { return false }
            index += 1
        }
        guard index < line.endIndex else { return true }
        let next = line[index]
        return next == UInt8(ascii: " ") || next == UInt8(ascii: "\n") || next == UInt8(ascii: "\r")
    }

    /// Whether `text` holds a `<<<<<<<` or `>>>>>>>` marker line of `size`: the two that never stand in a
    /// clean file. A lone `=======` is common in prose and allowed.
    public static func containsMarkers(_ text: [UInt8], size: Int) -> Bool {
        splitLines(text).contains { line in
            guard let first = line.first, first == UInt8(ascii: "<") || first == UInt8(ascii: ">") else { return false }
            return isMarkerLine(line, character: first, size: size)
        }
    }
}
