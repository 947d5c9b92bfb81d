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
    /// One side renamed a name everywhere in the region and the text also uses the old one, from the other
    /// side's edit: `int total = items.size(); log(count);`, a name that no longer exists.
    case staleName(old: String, new: String)

    /// The guard's name, as `--explain` and `eval --regions` report it.
    public var name: String {
        switch self {
        case .versionMergedInside: "version"
        case .duplicateKey: "duplicate-key"
        case .duplicateImport: "duplicate-import"
        case .staleName: "stale-name"
        }
    }

    public var description: String {
        switch self {
        case .versionMergedInside(let value): "it would write the version \(value), which no side has (a version is one value)"
        case .duplicateKey(let key): "it would write the key \(key) twice"
        case .duplicateImport(let line): "it would write the line \(line.debugDescription) twice"
        case .staleName(let old, let new): "one side renamed \(old) to \(new) everywhere in the region, and it would write both"
        }
    }

    /// The first guard `resolution` trips, given the region's three versions, or nil. `tokens` are the same four
    /// texts as the resolver already tokenized them, so that no guard tokenizes them again.
    public static func refusal(resolution: [UInt8], base: [UInt8], ours: [UInt8], theirs: [UInt8],
                               tokens: (resolution: [Token], base: [Token], ours: [Token], theirs: [Token]),
                               language: SourceLanguage) -> Guard? {
        let text = String(decoding: resolution, as: UTF8.self)
        let sides = [base, ours, theirs].map { String(decoding: $0, as: UTF8.self) }
        let known = Set(sides.flatMap(versions))
        if let invented = versions(in: text).first(where: { !known.contains($0) }) { return .versionMergedInside(invented) }

        let resolvedLines = lines(text)
        let sideLines = sides.map(lines)
        for (line, count) in counts(resolvedLines.filter(isImport)) where count > 1 && count > sideLines.map({ $0.filter { $0 == line }.count }).max()! {
            return .duplicateImport(line)
        }
        if language.isCode, resolution != ours, resolution != theirs,
           let (old, new) = staleName(resolution: tokens.resolution, base: tokens.base, sides: [tokens.ours, tokens.theirs]) {
            return .staleName(old: old, new: new)
        }
        // Keys repeat legitimately in code (`x = 1;` in two methods); only configuration formats are keyed.
        guard !language.isCode && language.name != "xml" else { return nil }
        let keyed = resolvedLines.compactMap(key)
        for (key, count) in counts(keyed) where count > 1 && count > sideLines.map({ $0.compactMap(Self.key).filter { $0 == key }.count }).max()! {
            return .duplicateKey(key)
        }
        return nil
    }

    /// A rename `old` -> `new` by one side that the text undoes in part. A side renamed `old` when its diff
    /// from base replaces every one of its uses, at least two, word for word with `new`, a name base did not
    /// have (one replaced use is as likely an edit of an argument as a rename); a text holding both names
    /// mixes them (the other side kept or added uses of the old one). Only a text mixing both sides' edits is
    /// looked at (the caller's check): one side as it is was consistent for its author, and word alignment also
    /// pairs names that merely took each other's place (`m.Name` where the side now calls `Matches`).
    static func staleName(resolution: [Token], base: [Token], sides: [[Token]]) -> (String, String)? {
        func names(_ tokens: [Token]) -> [String] {
            tokens.filter { $0.kind == .word && ($0.bytes.first.map { $0 == UInt8(ascii: "_") || $0 >= 0x80 || isLetter($0) } ?? false) }
                .map(\.text)
        }
        let baseNames = names(base), written = Set(names(resolution))
        var uses: [String: Int] = [:]
        for name in baseNames { uses[name, default: 0] += 1 }
        var ids: [String: Int] = [:]
        func id(_ name: String) -> Int { if let known = ids[name] { return known }; ids[name] = ids.count; return ids.count - 1 }
        let baseIds = baseNames.map(id)
        for side in sides {
            let sideNames = names(side), present = Set(sideNames)
            var replacements: [String: [String]] = [:]
            for hunk in SequenceDiff.diff(baseIds, sideNames.map(id)) where hunk.oldCount == hunk.newCount {
                for offset in 0..<hunk.oldCount { replacements[baseNames[hunk.oldStart + offset], default: []].append(sideNames[hunk.newStart + offset]) }
            }
            for (old, news) in replacements.sorted(by: { $0.key < $1.key }) {
                guard let new = news.first, news.count >= 2, news.count == uses[old], news.allSatisfy({ $0 == new }) else { continue }
                if uses[new] == nil, !present.contains(old), written.contains(old), written.contains(new) { return (old, new) }
            }
        }
        return nil
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }

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
