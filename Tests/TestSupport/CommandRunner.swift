import Foundation

/// What a finished process printed and returned.
public struct CommandResult: Sendable {
    public let status: Int32
    public let standardOutput: [UInt8]
    public let standardError: String

    public var output: String { String(decoding: standardOutput, as: UTF8.self) }
}

/// Runs the built `mergebert` and real `git` in temporary directories, isolated from the user's config.
public enum CommandRunner {
    /// The `mergebert` executable next to the test bundle (`swift build` puts both in the same folder).
    public static var mergebert: URL {
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        for folder in candidates {
            let url = folder.appendingPathComponent("mergebert")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/mergebert").standardized
    }

    /// An environment with no user or system git configuration, and fixed identities.
    public static func environment(home: URL, extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["XDG_CONFIG_HOME"] = home.appendingPathComponent(".config").path
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_AUTHOR_NAME"] = "Test"
        environment["GIT_AUTHOR_EMAIL"] = "test@example.com"
        environment["GIT_COMMITTER_NAME"] = "Test"
        environment["GIT_COMMITTER_EMAIL"] = "test@example.com"
        environment["GIT_EDITOR"] = "true"
        environment.removeValue(forKey: "MERGEBERT")
        // Git conventions do not depend on the model: pin the deterministic token-merge-only resolver unless a
        // test names a model (`--model`, or MERGEBERT_MODEL in `extra`).
        environment["MERGEBERT_MODEL"] = "none"
        environment.removeValue(forKey: "GIT_DIR")
        environment.removeValue(forKey: "GIT_WORK_TREE")
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    @discardableResult
    public static func run(_ executable: URL, _ arguments: [String], in directory: URL, environment: [String: String]? = nil,
                           input: [UInt8]? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment ?? Self.environment(home: directory)
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let inputPipe = input.map { _ in Pipe() }
        process.standardInput = inputPipe ?? FileHandle.nullDevice
        try process.run()
        if let input, let inputPipe {
            let writer = inputPipe.fileHandleForWriting
            DispatchQueue.global().async {
                writer.write(Data(input))
                try? writer.close()
            }
        }
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        nonisolated(unsafe) var errorData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData = error.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, standardOutput: [UInt8](outputData),
                             standardError: String(decoding: errorData, as: UTF8.self))
    }

    public static func git(_ arguments: [String], in directory: URL, environment: [String: String]? = nil) throws -> CommandResult {
        try run(URL(fileURLWithPath: "/usr/bin/git"), arguments, in: directory, environment: environment)
    }

    /// A fresh temporary directory; remove it when done.
    public static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mergebert-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    public static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    public static func read(_ url: URL) throws -> String {
        String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }
}
