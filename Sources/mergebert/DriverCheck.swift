import Foundation

/// Runs a configured driver command the way git does (`sh -c`, placeholders replaced by quoted paths)
/// on a small generated conflict, to prove git can start it.
struct DriverCheck {
    let command: String

    /// Why git could not use the driver: what happened, and what to do.
    enum Failure: Error, CustomStringConvertible {
        case notFound(String)
        case notExecutable(String)
        case failed(status: Int32, message: String)
        case nothingWritten

        var description: String {
            let fix = "run `mergebert install` again with the mergebert binary git should use"
            switch self {
            case .notFound(let program): return "git cannot run the merge driver: \(program) does not exist; \(fix)"
            case .notExecutable(let program): return "git cannot run the merge driver: \(program) is not executable; \(fix)"
            case .failed(let status, let message):
                return "the merge driver exited with \(status)\(message.isEmpty ? "" : " (\(message))"); \(fix)"
            case .nothingWritten: return "the merge driver ran but did not write git's merge into %A; \(fix)"
            }
        }
    }

    /// The first word of the command, unquoted: the program git starts.
    var program: String {
        var word = "", quote: Character?
        for character in command {
            if let open = quote {
                if character == open { quote = nil } else { word.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == " " {
                if !word.isEmpty { break }
            } else {
                word.append(character)
            }
        }
        return word
    }

    /// Runs the command with resolution off (`MERGEBERT=0`): it must exit 1 and leave git's markers in %A.
    func run() throws {
        let program = self.program
        if program.contains("/") {
            guard FileManager.default.fileExists(atPath: program) else { throw Failure.notFound(program) }
            guard FileManager.default.isExecutableFile(atPath: program) else { throw Failure.notExecutable(program) }
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mergebert-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = ["O": "a\nb\nc\n", "A": "a\nours\nc\n", "B": "a\ntheirs\nc\n"]
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        var line = command
        for name in ["O", "A", "B"] {
            line = line.replacingOccurrences(of: "%\(name)", with: Installation.shellQuoted(folder.appendingPathComponent(name).path))
        }
        line = line.replacingOccurrences(of: "%L", with: "7").replacingOccurrences(of: "%P", with: "check.txt")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", line]
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["MERGEBERT"] = "0"
        process.environment = environment
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let firstLine = message.split(separator: "\n").first.map(String.init) ?? ""
        switch process.terminationStatus {
        case 1: break
        case 127: throw Failure.notFound(program)
        case 126: throw Failure.notExecutable(program)
        default: throw Failure.failed(status: process.terminationStatus, message: firstLine)
        }
        let written = (try? String(contentsOf: folder.appendingPathComponent("A"), encoding: .utf8)) ?? ""
        guard written.contains("<<<<<<<") && written.contains("theirs\n") else { throw Failure.nothingWritten }
    }
}
