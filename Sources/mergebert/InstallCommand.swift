import ArgumentParser
import Foundation
import GitBridge

/// Chooses where `install` and `uninstall` write.
struct ScopeOptions: ParsableArguments {
    @Flag(help: "This user's git config and global attributes file (every repository).") var global = false
    @Flag(help: "This repository's config and .git/info/attributes (not committed).") var local = false

    var scope: InstallScope { global ? .global : (local ? .local : .repository) }

    func validate() throws {
        if global && local { throw ValidationError("choose one of --global and --local") }
    }
}

/// `mergebert install`: registers the merge driver with git.
struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register mergebert as git's merge driver (default: repository config and .gitattributes).",
        discussion: "Idempotent. `mergebert uninstall` with the same scope removes exactly what this writes.")

    @OptionGroup var scope: ScopeOptions

    @Option(name: .customLong("pattern"), help: "Paths the driver handles (gitattributes patterns; repeatable; default '*').")
    var patterns: [String] = []

    @Flag(help: "Do not install: tell whether the driver is active for the given paths.") var check = false

    @Argument(help: "With --check: paths to check.") var paths: [String] = []

    func run() throws {
        let directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        if check { return try runCheck(directory: directory) }
        let lines = try Installation(scope: scope.scope, directory: directory).install(patterns: patterns.isEmpty ? ["*"] : patterns)
        lines.forEach { print($0) }
    }

    /// With no path, `doctor`'s report. With paths, whether each is routed to the driver, after proving that
    /// git can run the configured command at all.
    private func runCheck(directory: URL) throws {
        guard !paths.isEmpty else { return try Doctor().run() }
        let report = DriverReport(directory: directory)
        print(report.lines[0])
        var active = report.problem == nil
        let repository = try? Repository(discoveringFrom: directory.path)
        for path in paths {
            let merge = repository?.attribute("merge", path: path)
            let switchedOff = ["unset", "false"].contains(repository?.attribute("mergebert", path: path) ?? "")
            let on = merge == "mergebert" && !switchedOff
            print("\(path): \(on ? "active" : "not active") (merge=\(merge ?? "unspecified")\(switchedOff ? ", mergebert attribute unset" : ""))")
            active = active && on
        }
        if let problem = report.problem, !problem.hasPrefix("no gitattributes") { printError("mergebert: \(problem)") }
        if !active { throw ExitCode(1) }
    }
}

/// `mergebert uninstall`: removes what `install` wrote.
struct Uninstall: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove the merge driver registration that `install` wrote.")

    @OptionGroup var scope: ScopeOptions

    func run() throws {
        let directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        try Installation(scope: scope.scope, directory: directory).uninstall().forEach { print($0) }
    }
}
