import Testing
import MergeCore
import Resolver

/// The value guards on their own: what they refuse, and what they let through.
@Suite struct GuardTests {
    func refusal(_ resolution: String, _ base: String, _ ours: String, _ theirs: String, _ language: SourceLanguage = .text) -> Guard? {
        Guard.refusal(resolution: Array(resolution.utf8), base: Array(base.utf8), ours: Array(ours.utf8), theirs: Array(theirs.utf8),
                      language: language)
    }

    @Test func aVersionNoSideHasIsRefused() {
        #expect(refusal("\"lib\": \"^1.5.2\"\n", "\"lib\": \"^1.4.2\"\n", "\"lib\": \"^1.5.0\"\n", "\"lib\": \"^1.4.2\"\n")
                == .versionMergedInside("^1.5.2"))
        #expect(refusal("tag v2.1.0-rc.1\n", "tag v2.0.0-beta.1\n", "tag v2.1.0-beta.1\n", "tag v2.0.0-rc.1\n") == .versionMergedInside("v2.1.0-rc.1"))
        // Taking one side's version is fine, and so are plain numbers.
        #expect(refusal("version = \"3.2.0-SNAPSHOT\"\n", "version = \"3.1.3-SNAPSHOT\"\n", "version = \"3.2.0-rtc\"\n",
                        "version = \"3.2.0-SNAPSHOT\"\n") == nil)
        #expect(refusal("x = compute(12, 3.5);\n", "x = compute(1, 2.5);\n", "x = compute(12, 2.5);\n", "x = compute(1, 3.5);\n", .java) == nil)
    }

    @Test func duplicatesNoSideHadAreRefused() {
        #expect(refusal("host = 1\nport = 2\nhost = 1\n", "port = 1\n", "host = 1\nport = 2\n", "port = 1\nhost = 1\n")
                == .duplicateKey("host"))
        #expect(refusal("import a\nimport b\nimport a\n", "import b\n", "import a\nimport b\n", "import b\nimport a\n", .python)
                == .duplicateImport("import a"))
        // A key or import that a side already repeats may repeat; keys in code are not keys.
        #expect(refusal("- x: 1\n- x: 2\n", "- x: 1\n", "- x: 1\n- x: 2\n", "- x: 1\n", .yaml) == nil)
        #expect(refusal("x = 1;\nx = 2;\n", "x = 0;\n", "x = 1;\nx = 2;\n", "x = 0;\nx = 2;\n", .java) == nil)
    }

    @Test func lockFilesAreKnownByName() {
        #expect(Guard.isLockFile("web/yarn.lock") && Guard.isLockFile("package-lock.json") && Guard.isLockFile("go.sum"))
        #expect(!Guard.isLockFile("src/Lock.java") && !Guard.isLockFile(nil))
    }
}
