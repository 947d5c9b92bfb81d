import Foundation

/// Seeded generators of (base, ours, theirs) byte triples, one kind each, for the fuzz suite: the inputs
/// real merges and hostile files bring, from plain code lines to NUL bytes, lone CRs and marker look-alikes.
public enum FuzzKind: String, CaseIterable, Sendable {
    case codeLines, tokenEdits, randomBytes, crlf, noFinalNewline, emptyFiles, oneSideEmpty, longLines, unicode
    case nulBytes, lateNulBytes, markerLikeLines, byteOrderMark, loneCR, whitespaceEdits, mixed, denseConflicts
}

public struct FuzzTriples {
    public var random: RandomTriples

    public init(seed: UInt64) { random = RandomTriples(seed: seed) }

    static let codeLines = ["class A {\n", "}\n", "\n", "  int x = 1;\n", "  int y = 2;\n", "  return x + y;\n", "  foo(a, b);\n",
                            "  if (ok) {\n", "  }\n", "  // note\n", "import a.b.C;\n", "  bar();\n", "  val z = \"s t\";\n"]
    static let words = ["alpha", "beta", "gamma", "x", "y", "1", "2", "(", ")", ",", " ", "  ", ";", "+", "\n", "{", "}", "result", "if"]

    mutating func pick<T>(_ values: [T]) -> T { values.randomElement(using: &random.generator)! }
    mutating func number(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random.generator) }

    /// Lines of `alphabet`, edited on each side.
    mutating func lines(_ alphabet: [String], length: Int = 20, edits: Int = 4) -> [[UInt8]] {
        let triple = random.triple(alphabet: alphabet, maximumLength: length, maximumEdits: edits)
        return [triple.base, triple.ours, triple.theirs].map { Array($0.joined().utf8) }
    }

    public mutating func triple(_ kind: FuzzKind) -> (base: [UInt8], ours: [UInt8], theirs: [UInt8]) {
        var texts: [[UInt8]]
        switch kind {
        case .codeLines:
            texts = lines(Self.codeLines)
        case .tokenEdits:
            // One line per region, edited token by token, so that token merges and patterns apply.
            let triple = random.triple(alphabet: Self.words, maximumLength: 12, maximumEdits: 3)
            texts = [triple.base, triple.ours, triple.theirs].map { Array(("head\n" + $0.joined() + "\ntail\n").utf8) }
        case .randomBytes:
            // Raw bytes, valid UTF-8 or not (NUL aside: that is `nulBytes`).
            let alphabet: [[UInt8]] = (0..<12).map { _ in (0..<number(0...6)).map { _ in UInt8(number(1...255)) } + [0x0A] }
            let triple = random.triple(alphabet: alphabet, maximumLength: 20, maximumEdits: 4)
            texts = [triple.base, triple.ours, triple.theirs].map { Array($0.joined()) }
        case .crlf:
            texts = lines(Self.codeLines.map { $0.replacingOccurrences(of: "\n", with: "\r\n") })
        case .noFinalNewline:
            texts = lines(Self.codeLines).map { $0.last == 0x0A ? Array($0.dropLast()) : $0 }
        case .emptyFiles:
            texts = [[], [], []]
            texts[number(0...2)] = lines(Self.codeLines)[0]
        case .oneSideEmpty:
            texts = lines(Self.codeLines)
            texts[number(1...2)] = []
        case .longLines:
            let long = (0..<4).map { index in String(repeating: "token\(index) ", count: number(200...2_000)) + "\n" }
            texts = lines(long + Self.codeLines, length: 10)
        case .unicode:
            texts = lines(["let π = 3.14;\n", "名前 = \"値\";\n", "emoji 👩‍💻 here\n", "e\u{301}\n", "}\n", "\n", "Ωmega(ß);\n"])
        case .nulBytes:
            texts = lines(Self.codeLines + ["bin\u{0}ary\n"])
        case .lateNulBytes:
            // git decides "binary" from the first 8,000 bytes only: a NUL after them is line-merged.
            let padding = String(repeating: "  filler line of text\n", count: 400)
            texts = lines(Self.codeLines).map { Array(padding.utf8) + $0 + Array("late\u{0}nul\n".utf8) }
        case .markerLikeLines:
            texts = lines(Self.codeLines + ["<<<<<<<< not quite\n", "=======\n", ">>>>>>> x\n", "||||||| y\n", "<<<<<<< HEAD\n"])
        case .byteOrderMark:
            texts = lines(Self.codeLines).map { number(0...1) == 0 ? [0xEF, 0xBB, 0xBF] + $0 : $0 }
        case .loneCR:
            texts = lines(Self.codeLines.map { $0.replacingOccurrences(of: "  ", with: "\r ") } + ["a\rb\n", "\r\n", "\r"])
        case .whitespaceEdits:
            texts = lines(Self.codeLines + ["  int x = 1; \n", "\tint x = 1;\n", "  int  x = 1;\n", " \n"])
        case .mixed:
            let kinds = FuzzKind.allCases.filter { $0 != .mixed }
            let one = triple(pick(kinds)), two = triple(pick(kinds))
            texts = [one.base + two.base, one.ours + two.ours, one.theirs + two.theirs]
        case .denseConflicts:
            texts = lines(Self.codeLines, length: 40, edits: 14)
        }
        return (texts[0], texts[1], texts[2])
    }
}
