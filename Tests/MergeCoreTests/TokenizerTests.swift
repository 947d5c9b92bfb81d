import Testing
import MergeCore
import TestSupport

@Suite struct TokenizerTests {
    static let languages: [SourceLanguage] = [.java, .typescript, .python, .go, .swift, .csharp, .json, .xml, .text, .shell]

    static let adversarial: [String] = [
        "", "\n", "\r\n", "\r", "\r\r\n\n", "a\r\nb\rc\n", "\t \t x", "\"unterminated string\nnext line",
        "/* unterminated comment\n still", "// comment at end", "'a\\'b' \"c\\\"d\"", "\"\\", "\"a\\\r\nb\"",
        "x = \"\"\"multi\nline\"\"\" + '''also\r\n'''", "`template ${x}\n line`", "😀 emoji👍🏽 é é", "a\u{0301}b",
        "#!/bin/sh\n# comment\r\necho \"$HOME\"", "<!-- xml comment --> <a b=\"c d\"/>", "0x1F 1.5e10 1_000 1..5 .5",
        ">>>= <<= ... === !== => -> :: ?? ?. **", "\u{0}\u{1}\u{7F}", "日本語のテキスト", "\u{FEFF}bom",
    ]

    @Test func concatenatingTokensGivesTheInputBack() {
        for language in Self.languages {
            let tokenizer = Tokenizer(language: language)
            for text in Self.adversarial {
                let bytes = Array(text.utf8)
                #expect(tokenizer.tokenize(bytes).joinedBytes == bytes, "\(language): \(text.debugDescription)")
            }
        }
    }

    @Test func randomUTF8RoundTripsAndNeverSplitsACharacter() {
        var generator = SplitMix64(seed: 42)
        let pieces: [String] = ["a", "Z", "_", "9", " ", "\t", "\n", "\r", "\r\n", "\"", "'", "`", "\\", "/", "*", "#",
                                "<", "!", "-", "=", ">", "{", "}", "(", ")", ".", "é", "😀", "中", "\u{0301}", "$"]
        for iteration in 0..<3000 {
            let text = (0..<Int.random(in: 0...60, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let language = Self.languages[iteration % Self.languages.count]
            let tokens = Tokenizer(language: language).tokenize(text)
            #expect(tokens.joinedBytes == Array(text.utf8), "\(language): \(text.debugDescription)")
            for token in tokens {
                #expect(!token.bytes.isEmpty)
                #expect(String(validating: token.bytes, as: UTF8.self) != nil, "token splits a character: \(text.debugDescription)")
            }
        }
    }

    @Test func splitsCodeIntoMeaningfulTokens() {
        let tokens = Tokenizer(language: .java).tokenize("int x = foo(a, 1.5); // set the value\r\n")
        #expect(tokens.map(\.text) == ["int", " ", "x", " ", "=", " ", "foo", "(", "a", ",", " ", "1.5", ")", ";", " ",
                                       "//", " ", "set", " ", "the", " ", "value", "\r\n"])
        #expect(tokens.last?.kind == .newline)
        #expect(tokens[15].kind == .comment)
    }

    @Test func splitsStringsAndCommentsAtWhitespace() {
        let tokens = Tokenizer(language: .python).tokenize("s = \"hello big world\"  # note it\n")
        #expect(tokens.map(\.text) == ["s", " ", "=", " ", "\"hello", " ", "big", " ", "world\"", "  ", "#", " ", "note", " ", "it", "\n"])
        #expect(tokens[4].kind == .string && tokens[8].kind == .string && tokens[12].kind == .comment)
    }

    @Test func keepsMultiCharacterOperatorsWhole() {
        let texts = Tokenizer(language: .typescript).tokenize("a => b !== c ?? d").map(\.text)
        #expect(texts == ["a", " ", "=>", " ", "b", " ", "!==", " ", "c", " ", "??", " ", "d"])
    }

    @Test func languageComesFromThePath() {
        #expect(SourceLanguage.forPath("src/Main.java") == .java)
        #expect(SourceLanguage.forPath("a/b.d/README") == .text)
        #expect(SourceLanguage.forPath("pkg/x.GO") == .go)
        #expect(SourceLanguage.forPath(nil) == .text)
        #expect(SourceLanguage.forPath("Project.csproj").isCode == false)
    }
}
