/// A lossless lexer for code in any language: every input byte lands in exactly one token, in order.
///
/// Tokens never split a UTF-8 sequence: boundaries fall only next to ASCII bytes. String literals and
/// comments are split at whitespace, as MergeBERT does, so an edit inside a comment stays small.
public struct Tokenizer: Sendable {
    public let language: SourceLanguage

    public init(language: SourceLanguage) {
        self.language = language
    }

    /// Operators kept whole, longest first so that the first match is the longest.
    private static let operators: [[UInt8]] = [
        ">>>=", "<<=", ">>=", "...", "===", "!==", "**=", "??=", "=>", "->", "==", "!=", "<=", ">=", "&&", "||",
        "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "::", "??", "?.", "**", "..", ":=",
    ].map { Array($0.utf8) }.sorted { $0.count > $1.count }

    public func tokenize(_ text: [UInt8]) -> [Token] {
        var lexer = Lexer(bytes: text, language: language)
        lexer.run()
        return lexer.tokens
    }

    public func tokenize(_ text: String) -> [Token] { tokenize(Array(text.utf8)) }

    private struct Lexer {
        let bytes: [UInt8]
        let language: SourceLanguage
        var tokens: [Token] = []
        var position = 0

        init(bytes: [UInt8], language: SourceLanguage) {
            self.bytes = bytes
            self.language = language
            tokens.reserveCapacity(bytes.count / 3)
        }

        mutating func run() {
            while position < bytes.count {
                let byte = bytes[position]
                if byte == 0x0A || byte == 0x0D {
                    lexNewline()
                } else if isBlank(byte) {
                    emit(.whitespace, upTo: scan(from: position) { isBlank($0) })
                } else if language.lineCommentPrefixes.contains(where: { matches($0, at: position) }) {
                    var end = position
                    while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
                    emitSplitAtWhitespace(.comment, upTo: end)
                } else if let block = language.blockComments.first(where: { matches($0.open, at: position) }) {
                    emitSplitAtWhitespace(.comment, upTo: endOfDelimited(closing: block.close, start: position + block.open.count))
                } else if language.quotes.contains(byte) {
                    lexString(quote: byte)
                } else if isDigit(byte) {
                    lexNumber()
                } else if isWordByte(byte) {
                    emit(.word, upTo: scan(from: position) { isWordByte($0) })
                } else if let op = Tokenizer.operators.first(where: { matches($0, at: position) }) {
                    emit(.punctuation, upTo: position + op.count)
                } else {
                    emit(.punctuation, upTo: position + 1)
                }
            }
        }

        mutating func lexNewline() {
            let isCRLF = bytes[position] == 0x0D && position + 1 < bytes.count && bytes[position + 1] == 0x0A
            emit(.newline, upTo: position + (isCRLF ? 2 : 1))
        }

        mutating func lexNumber() {
            var end = position
            while end < bytes.count {
                let byte = bytes[end]
                if isWordByte(byte) || (byte == UInt8(ascii: ".") && end + 1 < bytes.count && isDigit(bytes[end + 1])) {
                    end += 1
                } else {
                    break
                }
            }
            emit(.number, upTo: end)
        }

        mutating func lexString(quote: UInt8) {
            let triple = [quote, quote, quote]
            if language.tripleQuotedStrings && matches(triple, at: position) {
                emitSplitAtWhitespace(.string, upTo: endOfDelimited(closing: triple, start: position + 3, escapes: true))
                return
            }
            // Backtick strings (JS templates, Go raw strings) span lines; other quotes end at the line.
            let spansLines = quote == UInt8(ascii: "`")
            let hasEscapes = !(spansLines && language.name == "go")
            var end = position + 1
            while end < bytes.count {
                let byte = bytes[end]
                if hasEscapes && byte == UInt8(ascii: "\\") {
                    // Never let an escape swallow a line ending: the string would otherwise hide the newline token.
                    if end + 1 < bytes.count, bytes[end + 1] != 0x0A, bytes[end + 1] != 0x0D { end += 2 } else { end += 1 }
                    continue
                }
                if byte == quote { end += 1; break }
                if !spansLines && (byte == 0x0A || byte == 0x0D) { break }
                end += 1
            }
            emitSplitAtWhitespace(.string, upTo: min(end, bytes.count))
        }

        /// The end of a delimited run (after the closing delimiter, or the end of input when unterminated).
        func endOfDelimited(closing: [UInt8], start: Int, escapes: Bool = false) -> Int {
            var end = start
            while end < bytes.count {
                if escapes && bytes[end] == UInt8(ascii: "\\") { end += 2; continue }
                if matches(closing, at: end) { return end + closing.count }
                end += 1
            }
            return bytes.count
        }

        /// Emits `position..<end` as pieces of `kind` separated by whitespace and newline tokens.
        mutating func emitSplitAtWhitespace(_ kind: TokenKind, upTo end: Int) {
            let end = min(end, bytes.count)
            while position < end {
                let byte = bytes[position]
                if byte == 0x0A || byte == 0x0D {
                    let isCRLF = byte == 0x0D && position + 1 < end && bytes[position + 1] == 0x0A
                    emit(.newline, upTo: position + (isCRLF ? 2 : 1))
                } else if isBlank(byte) {
                    emit(.whitespace, upTo: scan(from: position, limit: end) { isBlank($0) })
                } else {
                    emit(kind, upTo: scan(from: position, limit: end) { !isBlank($0) && $0 != 0x0A && $0 != 0x0D })
                }
            }
        }

        func scan(from start: Int, limit: Int? = nil, while predicate: (UInt8) -> Bool) -> Int {
            let limit = limit ?? bytes.count
            var end = start
            while end < limit && predicate(bytes[end]) { end += 1 }
            return end
        }

        func matches(_ pattern: [UInt8], at index: Int) -> Bool {
            guard !pattern.isEmpty, index + pattern.count <= bytes.count else { return false }
            for offset in 0..<pattern.count where bytes[index + offset] != pattern[offset] { return false }
            return true
        }

        mutating func emit(_ kind: TokenKind, upTo end: Int) {
            tokens.append(Token(kind: kind, bytes: bytes[position..<end]))
            position = end
        }
    }
}

@inline(__always) func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0B || byte == 0x0C }
@inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
/// Identifier bytes; every non-ASCII byte counts, which keeps multi-byte characters whole.
@inline(__always) func isWordByte(_ byte: UInt8) -> Bool {
    (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || isDigit(byte)
        || byte == 0x5F || byte == 0x24 || byte >= 0x80
}
