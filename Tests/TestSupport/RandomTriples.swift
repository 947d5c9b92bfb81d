import MergeCore

/// A small seeded generator, so that a failing random case can be replayed.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// Random (base, ours, theirs) triples: a base from a small alphabet, and two sides that each apply a
/// few random edits to it, so that the sides overlap, touch and repeat elements often.
public struct RandomTriples {
    public var generator: SplitMix64

    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    public mutating func sequence<T>(from alphabet: [T], maximumLength: Int) -> [T] {
        (0..<Int.random(in: 0...maximumLength, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
    }

    public mutating func edited<T>(_ base: [T], alphabet: [T], maximumEdits: Int) -> [T] {
        var result = base
        for _ in 0..<Int.random(in: 0...maximumEdits, using: &generator) {
            let position = Int.random(in: 0...result.count, using: &generator)
            let removed = min(Int.random(in: 0...2, using: &generator), result.count - position)
            let inserted = sequence(from: alphabet, maximumLength: 3)
            result.replaceSubrange(position..<(position + removed), with: inserted)
        }
        return result
    }

    public mutating func triple<T>(alphabet: [T], maximumLength: Int, maximumEdits: Int) -> (base: [T], ours: [T], theirs: [T]) {
        let base = sequence(from: alphabet, maximumLength: maximumLength)
        return (base, edited(base, alphabet: alphabet, maximumEdits: maximumEdits),
                edited(base, alphabet: alphabet, maximumEdits: maximumEdits))
    }

    public mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &generator) < probability }
}

extension RandomTriples {
    /// Few distinct lines, many repeats (braces, blank lines, `return`), so that Myers and the histogram
    /// diff often pair different lines; some CRLF, some without letters.
    public static let repetitiveLines = ["{\n", "}\n", "\n", "\n", "}\n", "  return;\n", "  x = 1;\n", "  y = 2;\n", "foo();\n",
                                         "bar(x);\n", "  // note\n", ");\n", "  z = 3;\r\n", "end\r\n", "-\n"]

    /// `count` file triples of up to `maximumLength` lines from `repetitiveLines` plus `distinctLines` lines
    /// of their own (many distinct lines fill git's hash chains, as real files do); one file in ten lacks
    /// its final newline.
    public static func lineFiles(count: Int, seed: UInt64, maximumLength: Int = 40, maximumEdits: Int = 6, distinctLines: Int = 0)
        -> [(base: [UInt8], ours: [UInt8], theirs: [UInt8])] {
        var random = RandomTriples(seed: seed)
        // About half the lines are the repetitive ones, as braces and blank lines are in code.
        let weight = max(1, distinctLines / repetitiveLines.count)
        let alphabet = Array(repeating: repetitiveLines, count: weight).joined()
            + (0..<distinctLines).map { "  value\($0) = f(\($0 % 7));\n" }
        return (0..<count).map { _ in
            let triple = random.triple(alphabet: alphabet, maximumLength: maximumLength, maximumEdits: maximumEdits)
            var texts = [triple.base, triple.ours, triple.theirs].map { Array($0.joined().utf8) }
            for index in texts.indices where texts[index].last == UInt8(ascii: "\n") && random.chance(0.1) {
                texts[index].removeLast()
            }
            return (texts[0], texts[1], texts[2])
        }
    }
}
