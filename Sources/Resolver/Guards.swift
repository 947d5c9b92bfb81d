import MergeCore

/// Refusals for resolutions that are well-formed token by token but wrong as values: hazards seen in real
/// merges (QUALITY.md). Each is checked on the region's text as it would be written.
public enum Guard: Sendable, Hashable, CustomStringConvertible {
    /// A version string that none of the three versions has: two versions merged inside each other.
    case versionMergedInside(String)
    /// A key written more often than any version of the region writes it.
    case duplicateKey(String)
    /// An import, using or include line written more often than any version of the region writes it.
    case duplicateImport(String)

    /// The guard's name, as `--explain` and `eval --regions` report it.
    public var name: String {
        switch self {
        case .versionMergedInside: "version"
        case .duplicateKey: "duplicate-key"
        case .duplicateImport: "duplicate-import"
        }
    }

    public var description: String {
        switch self {
        case .versionMergedInside(let value): "it would write the version \(value), which no side has (a version is one value)"
        case .duplicateKey(let key): "it would write the key \(key) twice"
        case .duplicateImport(let line): "it would write the line \(line.debugDescription) twice"
        }
    }

    /// The first guard `resolution` trips, given the region's three versions, or nil.
    public static func refusal(resolution: [UInt8], base: [UInt8], ours: [UInt8], theirs: [UInt8], language: SourceLanguage) -> Guard? {
        let text = String(decoding: resolution, as: UTF8.self)
        let sides = [base, ours, theirs].map { String(decoding: $0, as: UTF8.self) }
        let known = Set(sides.flatMap(versions))
        if let invented = versions(in: text).first(where: { !known.contains($0) }) { return .versionMergedInside(invented) }

        let resolvedLines = lines(text)
        let sideLines = sides.map(lines)
        for (line, count) in counts(resolvedLines.filter(isImport)) where count > 1 && count > sideLines.map({ $0.filter { $0 == line }.count }).max()! {
            return .duplicateImport(line)
        }
        // Keys repeat legitimately in code (`x = 1;` in two methods); only configuration formats are keyed.
        guard !language.isCode && language.name != "xml" else { return nil }
        let keyed = resolvedLines.compactMap(key)
        for (key, count) in counts(keyed) where count > 1 && count > sideLines.map({ $0.compactMap(Self.key).filter { $0 == key }.count }).max()! {
            return .duplicateKey(key)
        }
        return nil
    }

    /// Version-like values: `1.2`, `3.2.0-SNAPSHOT`, `^1.4.2`, `v2.0.0-rc.1`, `~> 4.1`.
    static func versions(in text: String) -> [String] {
        text.matches(of: #/(?:^|[^\w.])([v^~=<>]*\d+(?:\.\d+)+(?:[-+][0-9A-Za-z]+(?:[.-][0-9A-Za-z]+)*)?)(?!\w)/#)
            .map { String($0.output.1) }
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func isImport(_ line: String) -> Bool {
        ["import ", "using ", "#include ", "from ", "require ", "@import "].contains { line.hasPrefix($0) }
            && !line.hasSuffix("{") && !line.hasSuffix("(")
    }

    /// The key of a `key: value`, `key = value` or `"key": value` line (JSON, YAML, TOML, INI, properties).
    static func key(_ line: String) -> String? {
        guard let match = line.firstMatch(of: #/^"?([A-Za-z_][A-Za-z0-9_.\-]*)"?\s*[:=](?!=)/#) else { return nil }
        return String(match.output.1)
    }

    static func counts(_ values: [String]) -> [(String, Int)] {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for value in values {
            if counts[value] == nil { order.append(value) }
            counts[value, default: 0] += 1
        }
        return order.map { ($0, counts[$0]!) }
    }
}
