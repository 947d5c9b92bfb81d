/// Writes a merge of line records as text, with conflict markers exactly as git's xdiff writes them.
///
/// Records are lines with their line endings (the last may lack one). A conflict side whose last line has
/// no line ending gets one, CRLF when the surrounding lines use CRLF, as git does.
public struct MergeRenderer {
    public let base: [ArraySlice<UInt8>]
    public let ours: [ArraySlice<UInt8>]
    public let theirs: [ArraySlice<UInt8>]

    public init(base: [ArraySlice<UInt8>], ours: [ArraySlice<UInt8>], theirs: [ArraySlice<UInt8>]) {
        self.base = base
        self.ours = ours
        self.theirs = theirs
    }

    /// The merged text; `.resolved(k)` changes are replaced by `resolutions[k]`.
    public func render(_ changes: [MergeChange], style: ConflictStyle, markers: ConflictMarkers,
                       resolutions: [[UInt8]] = []) -> [UInt8] {
        var output: [UInt8] = []
        var cursor = 0
        for change in changes {
            switch change.kind {
            case .identical:
                continue
            case .conflict:
                append(ours, cursor..<change.oursStart, to: &output)
                appendConflict(change, style: style, markers: markers, to: &output)
            case .resolved(let index):
                append(ours, cursor..<change.oursStart, to: &output)
                output += resolutions[index]
            case .ours:
                append(ours, cursor..<(change.oursStart + change.oursCount), to: &output)
            case .theirs:
                append(ours, cursor..<change.oursStart, to: &output)
                append(theirs, change.theirsRange, to: &output)
            }
            cursor = change.oursStart + change.oursCount
        }
        append(ours, cursor..<ours.count, to: &output)
        return output
    }

    private func append(_ records: [ArraySlice<UInt8>], _ range: Range<Int>, to output: inout [UInt8]) {
        guard !range.isEmpty else { return }
        for index in range { output += records[index] }
    }

    /// A conflict side: its records, plus a line ending if the last one has none.
    private func appendSide(_ records: [ArraySlice<UInt8>], _ range: Range<Int>, carriageReturn: Bool, to output: inout [UInt8]) {
        guard !range.isEmpty else { return }
        append(records, range, to: &output)
        if records[range.upperBound - 1].last != UInt8(ascii: "\n") {
            if carriageReturn { output.append(UInt8(ascii: "\r")) }
            output.append(UInt8(ascii: "\n"))
        }
    }

    private func appendMarker(_ character: Character, label: String??, size: Int, carriageReturn: Bool, to output: inout [UInt8]) {
        output += [UInt8](repeating: character.asciiValue!, count: size)
        if case .some(.some(let label)) = label {
            output.append(UInt8(ascii: " "))
            output += Array(label.utf8)
        }
        if carriageReturn { output.append(UInt8(ascii: "\r")) }
        output.append(UInt8(ascii: "\n"))
    }

    private func appendConflict(_ change: MergeChange, style: ConflictStyle, markers: ConflictMarkers, to output: inout [UInt8]) {
        let carriageReturn = needsCarriageReturn(change)
        appendMarker("<", label: .some(markers.oursLabel), size: markers.size, carriageReturn: carriageReturn, to: &output)
        appendSide(ours, change.oursRange, carriageReturn: carriageReturn, to: &output)
        if style != .merge {
            appendMarker("|", label: .some(markers.baseLabel), size: markers.size, carriageReturn: carriageReturn, to: &output)
            appendSide(base, change.baseRange, carriageReturn: carriageReturn, to: &output)
        }
        appendMarker("=", label: .none, size: markers.size, carriageReturn: carriageReturn, to: &output)
        appendSide(theirs, change.theirsRange, carriageReturn: carriageReturn, to: &output)
        appendMarker(">", label: .some(markers.theirsLabel), size: markers.size, carriageReturn: carriageReturn, to: &output)
    }

    /// xdiff's `is_cr_needed`: markers follow the line endings around the conflict.
    private func needsCarriageReturn(_ change: MergeChange) -> Bool {
        var needed = Self.endsWithCRLF(ours, change.oursStart > 0 ? change.oursStart - 1 : 0)
        if needed != 0 { needed = Self.endsWithCRLF(theirs, change.theirsStart > 0 ? change.theirsStart - 1 : 0) }
        if needed != 0 { needed = Self.endsWithCRLF(base, 0) }
        return needed > 0
    }

    /// xdiff's `is_eol_crlf`: 1 for CRLF, 0 for LF, -1 when the file cannot tell.
    static func endsWithCRLF(_ records: [ArraySlice<UInt8>], _ index: Int) -> Int {
        func crlf(_ record: ArraySlice<UInt8>) -> Int {
            record.count > 1 && record[record.endIndex - 2] == UInt8(ascii: "\r") ? 1 : 0
        }
        if index < records.count - 1 { return crlf(records[index]) }
        if records.isEmpty { return -1 }
        let record = records[index]
        if record.last == UInt8(ascii: "\n") { return crlf(record) }
        if index == 0 { return -1 }
        return crlf(records[index - 1])
    }
}
