import ArgumentParser
import DriverCore
import Foundation
import Resolver

/// The `mergebert` command: resolves merge conflicts; git's conventions for markers and exit codes.
@main
struct MergeBERT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mergebert",
        abstract: "Resolve git merge conflicts token by token, keeping git's markers wherever unsure.",
        discussion: "Exit codes: 0 everything resolved, 1 conflicts remain, 2 error.",
        version: ToolVersion.current,
        subcommands: [Merge.self, Resolve.self, Driver.self, Install.self, Uninstall.self, Doctor.self, Review.self, Eval.self, Mine.self, Bench.self])

    /// Runs the command with the exit codes users of `git merge-file` expect: usage and runtime errors
    /// exit 2 with one line on stderr, instead of ArgumentParser's defaults.
    static func main() {
        // The driver reads its own arguments: git's merge must reach %A whatever the driver line holds.
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "driver" {
            let rest = Array(arguments.dropFirst())
            if !rest.isEmpty && rest.allSatisfy({ $0 == "--help" || $0 == "-h" }) {
                print(helpMessage(for: Driver.self))
                Foundation.exit(0)
            }
            Foundation.exit(Driver.run(DriverArguments(rest)))
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            printError(fullMessage(for: error))
            Foundation.exit(2)
        }
        do {
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch where exitCode(for: error) == .success {
            // `mergebert help merge` and `--help` after a subcommand arrive here from ArgumentParser's help command.
            print(fullMessage(for: error))
            Foundation.exit(0)
        } catch {
            printError("mergebert: \(error)")
            Foundation.exit(2)
        }
    }
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Errors of the command line itself, each saying what to do next.
enum CommandLineError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case jsonNeedsOutputFile
    case nothingSelected(String)

    var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .unwritable(let path, let reason): "cannot write \(path): \(reason)"
        case .jsonNeedsOutputFile: "--json prints the report on stdout: give -o FILE for the merged text"
        case .nothingSelected(let what): "\(what): nothing to do (check the list and the shard)"
        }
    }
}
