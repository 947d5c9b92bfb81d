/// The language of a file, guessed from its path; it decides comment syntax and how results are reported.
public struct SourceLanguage: Sendable, Hashable, CustomStringConvertible {
    /// Short lowercase name used in reports (`java`, `python`, ..., `text`).
    public let name: String
    /// Whether this is program source, as opposed to data, markup or build files (measured separately).
    public let isCode: Bool
    /// Prefixes that start a comment running to the end of the line.
    public let lineCommentPrefixes: [[UInt8]]
    /// Opening and closing delimiters of block comments.
    public let blockComments: [(open: [UInt8], close: [UInt8])]
    /// Quote bytes that open a string literal.
    public let quotes: [UInt8]
    /// Whether `"""` and `'''` open strings that may span lines (Python, Swift, Kotlin, Java text blocks).
    public let tripleQuotedStrings: Bool

    public var description: String { name }

    public static func == (lhs: SourceLanguage, rhs: SourceLanguage) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    private static let cStyleComments: [(open: [UInt8], close: [UInt8])] = [(Array("/*".utf8), Array("*/".utf8))]
    private static let slashes: [[UInt8]] = [Array("//".utf8)]
    private static let hash: [[UInt8]] = [Array("#".utf8)]

    private static func cFamily(_ name: String, triple: Bool = false, quotes: String = "\"'") -> SourceLanguage {
        SourceLanguage(name: name, isCode: true, lineCommentPrefixes: slashes, blockComments: cStyleComments,
                       quotes: Array(quotes.utf8), tripleQuotedStrings: triple)
    }

    public static let java = cFamily("java", triple: true)
    public static let kotlin = cFamily("kotlin", triple: true)
    public static let scala = cFamily("scala", triple: true)
    public static let csharp = cFamily("csharp")
    public static let typescript = cFamily("typescript", quotes: "\"'`")
    public static let javascript = cFamily("javascript", quotes: "\"'`")
    public static let go = cFamily("go", quotes: "\"'`")
    public static let swift = cFamily("swift", triple: true)
    public static let c = cFamily("c")
    public static let cpp = cFamily("cpp")
    public static let objectiveC = cFamily("objc")
    public static let rust = cFamily("rust")
    public static let php = cFamily("php")
    public static let dart = cFamily("dart", triple: true)
    public static let python = SourceLanguage(name: "python", isCode: true, lineCommentPrefixes: hash, blockComments: [],
                                              quotes: Array("\"'".utf8), tripleQuotedStrings: true)
    public static let ruby = SourceLanguage(name: "ruby", isCode: true, lineCommentPrefixes: hash, blockComments: [],
                                            quotes: Array("\"'".utf8), tripleQuotedStrings: false)
    public static let shell = SourceLanguage(name: "shell", isCode: true, lineCommentPrefixes: hash, blockComments: [],
                                             quotes: Array("\"'".utf8), tripleQuotedStrings: false)
    public static let json = SourceLanguage(name: "json", isCode: false, lineCommentPrefixes: [], blockComments: [],
                                            quotes: Array("\"".utf8), tripleQuotedStrings: false)
    public static let xml = SourceLanguage(name: "xml", isCode: false, lineCommentPrefixes: [],
                                           blockComments: [(Array("<!--".utf8), Array("-->".utf8))],
                                           quotes: Array("\"'".utf8), tripleQuotedStrings: false)
    public static let yaml = SourceLanguage(name: "yaml", isCode: false, lineCommentPrefixes: hash, blockComments: [],
                                            quotes: Array("\"'".utf8), tripleQuotedStrings: false)
    /// Anything else: prose, build files, lock files. No comment syntax, no strings: words and punctuation only.
    public static let text = SourceLanguage(name: "text", isCode: false, lineCommentPrefixes: [], blockComments: [],
                                            quotes: [], tripleQuotedStrings: false)

    private static let byExtension: [String: SourceLanguage] = {
        var table: [String: SourceLanguage] = [:]
        let groups: [(SourceLanguage, [String])] = [
            (.java, ["java"]), (.kotlin, ["kt", "kts"]), (.scala, ["scala"]), (.csharp, ["cs"]),
            (.typescript, ["ts", "tsx", "mts", "cts"]), (.javascript, ["js", "jsx", "mjs", "cjs"]),
            (.go, ["go"]), (.swift, ["swift"]), (.c, ["c", "h"]), (.cpp, ["cc", "cpp", "cxx", "hpp", "hh", "hxx"]),
            (.objectiveC, ["m", "mm"]), (.rust, ["rs"]), (.php, ["php"]), (.dart, ["dart"]),
            (.python, ["py", "pyi"]), (.ruby, ["rb"]), (.shell, ["sh", "bash", "zsh"]),
            (.json, ["json"]), (.xml, ["xml", "csproj", "props", "targets", "xaml", "plist", "resx", "config", "html", "htm", "svg"]),
            (.yaml, ["yml", "yaml", "toml"]),
        ]
        for (language, extensions) in groups { for ext in extensions { table[ext] = language } }
        return table
    }()

    /// The language for a path (git's temporary files have no extension, so callers pass `%P`).
    public static func forPath(_ path: String?) -> SourceLanguage {
        guard let path, let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return .text }
        return byExtension[path[path.index(after: dot)...].lowercased()] ?? .text
    }
}
