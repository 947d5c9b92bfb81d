import Foundation

/// A gitattributes line that decides the merge driver of some paths: `merge=NAME`, `-merge`, `!merge`,
/// `merge` or the `binary` macro (which unsets `merge`).
struct MergeAttributeLine: Equatable {
    /// The file and 1-based line it was read from.
    let file: String
    let line: Int
    /// The pattern as written in `file`.
    let pattern: String
    /// What the line says about merging: `merge=union`, `-merge`, `binary`...
    let setting: String
    /// The same pattern for a file at the repository root (patterns of `sub/.gitattributes` are relative to `sub/`).
    let rootPattern: String

    /// The merge driver this line chooses, or nil for "unset"/"unspecified" (`-merge`, `!merge`, `binary`).
    var driver: String? {
        setting.hasPrefix("merge=") ? String(setting.dropFirst("merge=".count)) : (setting == "merge" ? "text" : nil)
    }

    /// The lines of `text` (a gitattributes file in `directory`, relative to the repository root: "" for the
    /// root) that set the merge attribute. Comments, macro definitions and other attributes are skipped.
    static func lines(in text: String, file: String, directory: String) -> [MergeAttributeLine] {
        var result: [MergeAttributeLine] = []
        for (offset, raw) in text.components(separatedBy: "\n").enumerated() {
            let fields = raw.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let pattern = fields.first, !pattern.hasPrefix("#"), !pattern.hasPrefix("[attr]") else { continue }
            for attribute in fields.dropFirst().reversed()
            where attribute == "binary" || attribute == "merge" || attribute == "-merge" || attribute == "!merge"
                || attribute.hasPrefix("merge=") {
                result.append(MergeAttributeLine(file: file, line: offset + 1, pattern: pattern, setting: attribute,
                                                 rootPattern: rooted(pattern, directory: directory)))
                break
            }
        }
        return result
    }

    /// gitattributes semantics: a pattern without a slash matches at any depth below its file's folder.
    static func rooted(_ pattern: String, directory: String) -> String {
        guard !directory.isEmpty else { return pattern }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        if pattern.hasPrefix("/") { return prefix + pattern.dropFirst() }
        return pattern.dropLast().contains("/") ? prefix + pattern : prefix + "**/" + pattern
    }
}
