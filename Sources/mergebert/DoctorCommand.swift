import ArgumentParser
import Foundation
import GitBridge
import Resolver

/// `mergebert doctor`: what git will run for a conflicted file here, and whether it can.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report the installed merge driver: its command, binary and version, the model it finds, and the attributes that route files to it.",
        discussion: "Exit 0 when git can run the driver, 1 when it is not installed or cannot run.")

    func run() throws {
        let report = DriverReport(directory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        report.lines.forEach { print($0) }
        if let problem = report.problem {
            printError("mergebert: \(problem)")
            throw ExitCode(1)
        }
    }
}

/// Everything `doctor` and `install --check` say about the driver of one repository (or of the user).
struct DriverReport {
    var lines: [String] = []
    /// The one-line reason git cannot use the driver, or nil when it can.
    var problem: String?

    init(directory: URL) {
        let installation = Installation(scope: .repository, directory: directory)
        guard let origin = try? installation.git(["config", "--show-origin", "--get", "merge.mergebert.driver"]),
              let tab = origin.firstIndex(of: "\t") else {
            lines.append("driver: not installed (merge.mergebert.driver is not set)")
            problem = "the merge driver is not installed: run `mergebert install` (or `mergebert install --global`)"
            return
        }
        let command = String(origin[origin.index(after: tab)...])
        lines.append("driver: \(command)  (\(origin[..<tab]))")
        let check = DriverCheck(command: command)
        let program = check.program
        do {
            try check.run()
            let version = (try? Self.output(of: program, ["--version"])) ?? "unknown version"
            lines.append("binary: \(program) (mergebert \(version)); git can run it")
        } catch {
            lines.append("binary: \(program): cannot run")
            problem = "\(error)"
        }
        lines.append("model: " + Self.modelLine(executable: program, directory: directory))
        let boldness = Boldness(git: GitSettings.read(directory: directory.path))
        lines.append("settings: " + boldness.summary + boldness.warnings.map { "; \($0)" }.joined())
        let attributes = Self.attributeLines(directory: directory)
        let routing = attributes.filter { $0.driver == "mergebert" }
        let others = attributes.filter { $0.driver != "mergebert" }
        lines.append("routed to mergebert: " + (routing.isEmpty ? "no attribute sets merge=mergebert"
            : routing.map { "\($0.pattern) (\($0.file):\($0.line))" }.joined(separator: ", ")))
        if !others.isEmpty {
            lines.append("choose their own merge (where they match, mergebert is not used): "
                         + others.map { "\($0.pattern) \($0.setting) (\($0.file):\($0.line))" }.joined(separator: ", "))
        }
        if routing.isEmpty && problem == nil {
            problem = "no gitattributes line routes files to the driver: run `mergebert install`"
        }
    }

    /// The model the driver binary will find, with its size and threshold, or why there is none.
    static func modelLine(executable: String, directory: URL) -> String {
        let environment = ProcessInfo.processInfo.environment
        guard let folder = ResolutionModel.discover(executable: executable, environment: environment) else {
            return environment["MERGEBERT_MODEL"] == "none" ? "none (MERGEBERT_MODEL=none): clean token merges only"
                : "none found next to \(executable) (models/ or share/mergebert/models): clean token merges only"
        }
        do {
            let model = try ResolutionModel(directory: folder)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("model.safetensors").path)[.size] as? Int) ?? 0
            let ranker = model.ranker.map { ", candidate texts ranked by \($0.headCount) head\($0.headCount == 1 ? "" : "s")" } ?? ""
            return "\(folder.path) (\(String(format: "%.1f", Double(bytes) / 1_000_000)) MB\(ranker), calibrated thresholds "
                + "\(model.policy.summary))"
        } catch {
            return "\(folder.path) cannot be loaded: \(error)"
        }
    }

    /// Merge lines of every attributes file git reads here.
    static func attributeLines(directory: URL) -> [MergeAttributeLine] {
        let files = (try? Installation(scope: .repository, directory: directory).attributeFiles()) ?? []
        return files.flatMap { file in
            (try? String(contentsOf: file.url, encoding: .utf8)).map { MergeAttributeLine.lines(in: $0, file: file.url.path, directory: file.folder) } ?? []
        }
    }

    static func output(of program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
