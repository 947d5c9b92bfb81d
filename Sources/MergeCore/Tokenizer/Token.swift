/// What a token is, as far as merging and featurization care.
public enum TokenKind: UInt8, Sendable, Hashable, CaseIterable {
    /// Letters, digits, `_` and `$`, plus any non-ASCII text run.
    case word
    /// A numeric literal.
    case number
    /// One operator or punctuation mark (multi-character operators stay whole).
    case punctuation
    /// A run of spaces and tabs.
    case whitespace
    /// One line ending: `\n`, `\r\n` or `\r`.
    case newline
    /// A whitespace-separated piece of a string literal.
    case string
    /// A whitespace-separated piece of a comment.
    case comment
}

/// A slice of the input bytes with its kind; concatenating a text's tokens gives the text back.
public struct Token: Sendable, Hashable {
    public var kind: TokenKind
    public var bytes: ArraySlice<UInt8>

    public init(kind: TokenKind, bytes: ArraySlice<UInt8>) {
        self.kind = kind
        self.bytes = bytes
    }

    /// The token's text (tokens never split a UTF-8 sequence, so this is exact for valid UTF-8).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether the token is whitespace or a line ending, which the whitespace-insensitive metric ignores.
    public var isLayout: Bool { kind == .whitespace || kind == .newline }
}
