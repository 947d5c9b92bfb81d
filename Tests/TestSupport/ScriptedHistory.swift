import Foundation

/// A small scripted history with known conflicts and known resolutions.
///
/// Merge 1 (topic into main) conflicts in A.java twice (one region the token merge resolves as the developer
/// did, one where the developer took ours), in a binary file and in a file renamed on one side.
/// Merge 2 conflicts in C.java, and the developer also rewrote the lines around it: that region cannot be located.
public struct ScriptedHistory {
    public let directory: URL

    public static let classBase = "class A {\n  void f() {\n    call(alpha, beta);\n  }\n  int g() {\n    return keep(1);\n  }\n}\n"
    public static let classOurs = "class A {\n  void f() {\n    call(gamma, beta);\n  }\n  int g() {\n    return keep(2);\n  }\n}\n"
    public static let classTheirs = "class A {\n  void f() {\n    call(alpha, delta);\n  }\n  int g() {\n    return keep(3);\n  }\n}\n"
    public static let classResolved = "class A {\n  void f() {\n    call(gamma, delta);\n  }\n  int g() {\n    return keep(2);\n  }\n}\n"
    public static let renamedBase = (1...12).map { "line \($0) of the old file\n" }.joined()

    public init() throws {
        directory = try CommandRunner.temporaryDirectory("history")
        let environment = CommandRunner.environment(home: directory)
        func git(_ arguments: String...) throws {
            let result = try CommandRunner.git(arguments, in: directory, environment: environment)
            _ = result
        }
        func write(_ path: String, _ text: String) throws { try CommandRunner.write(text, to: directory.appendingPathComponent(path)) }
        try git("init", "-q", "-b", "main")
        try write("A.java", Self.classBase)
        try write("data.bin", "head\u{0}base\n")
        try write("Old.java", Self.renamedBase)
        try write("C.java", "// header\nint c = 1;\n// footer\n")
        try git("add", "-A"); try git("commit", "-qm", "base")

        try git("checkout", "-qb", "topic")
        try write("A.java", Self.classTheirs)
        try write("data.bin", "head\u{0}theirs\n")
        try git("mv", "Old.java", "New.java")
        try write("New.java", Self.renamedBase.replacingOccurrences(of: "line 6 of", with: "line six of"))
        try git("add", "-A"); try git("commit", "-qm", "theirs")

        try git("checkout", "-q", "main")
        try write("A.java", Self.classOurs)
        try write("data.bin", "head\u{0}ours\n")
        try write("Old.java", Self.renamedBase.replacingOccurrences(of: "line 6 of", with: "line 6 (ours) of"))
        try git("add", "-A"); try git("commit", "-qm", "ours")
        try git("merge", "-q", "topic")
        try write("A.java", Self.classResolved)
        try write("data.bin", "head\u{0}ours\n")
        try git("add", "-A"); try git("commit", "-qm", "Merge branch 'topic'")

        try git("checkout", "-qb", "topic2")
        try write("C.java", "// header\nint c = 3;\n// footer\n")
        try git("commit", "-qam", "theirs 2")
        try git("checkout", "-q", "main")
        try write("C.java", "// header\nint c = 2;\n// footer\n")
        try git("commit", "-qam", "ours 2")
        try git("merge", "-q", "topic2")
        try write("C.java", "// new header\nint c = 23;\n// new footer\n")
        try git("add", "-A"); try git("commit", "-qm", "Merge branch 'topic2'")
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }

    /// A second branch from the base makes the same change as main and merges topic the same way:
    /// the (A, O, B) triples of A.java repeat, as in merge-forward histories.
    public func repeatFirstMerge() throws {
        let environment = CommandRunner.environment(home: directory)
        func git(_ arguments: String...) throws { _ = try CommandRunner.git(arguments, in: directory, environment: environment) }
        try git("checkout", "-q", "-b", "maintenance", "main~4")
        try CommandRunner.write(Self.classOurs, to: directory.appendingPathComponent("A.java"))
        try git("commit", "-qam", "the same change again")
        try git("merge", "-q", "topic")
        try CommandRunner.write(Self.classResolved, to: directory.appendingPathComponent("A.java"))
        try git("add", "-A"); try git("commit", "-qm", "Merge branch 'topic' into maintenance")
    }

    /// `count` more merges into main, each conflicting in its own file: resolved as theirs, as ours, or as the
    /// token merge, in turn, so that the resolver is right on some and wrong or silent on others.
    public func addConflictingMerges(_ count: Int, from first: Int = 0) throws {
        let environment = CommandRunner.environment(home: directory)
        func git(_ arguments: String...) throws { _ = try CommandRunner.git(arguments, in: directory, environment: environment) }
        func write(_ path: String, _ text: String) throws { try CommandRunner.write(text, to: directory.appendingPathComponent(path)) }
        try git("checkout", "-q", "main")
        for index in first..<(first + count) {
            let file = "D\(index).java"
            try write(file, "class D {\n  int v = f(1, 2);\n}\n")
            try git("add", "-A"); try git("commit", "-qm", "base \(index)")
            try git("checkout", "-qb", "side\(index)")
            try write(file, "class D {\n  int v = f(1, \(index + 30));\n}\n")
            try git("commit", "-qam", "theirs \(index)")
            try git("checkout", "-q", "main")
            try write(file, "class D {\n  int v = f(\(index + 10), 2);\n}\n")
            try git("commit", "-qam", "ours \(index)")
            try git("merge", "-q", "side\(index)")
            let resolutions = ["f(1, \(index + 30))", "f(\(index + 10), 2)", "f(\(index + 10), \(index + 30))"]
            try write(file, "class D {\n  int v = \(resolutions[index % 3]);\n}\n")
            try git("add", "-A"); try git("commit", "-qm", "Merge branch 'side\(index)'")
        }
    }
}

