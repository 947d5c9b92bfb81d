import ArgumentParser
import Foundation
import Resolver

/// `mergebert bench process`: what git waits for, one driver process from start to exit, next to
/// `git merge-file` on the same files, with the steps that make up the difference.
struct ProcessBenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Time driver processes from start to exit: a clean 2,000-line file against git merge-file, and a file with three conflicts.",
        discussion: """
            Runs in a scratch repository, each command --runs times; prints medians. mergebert-driver is the program \
            `mergebert install` registers when it sits next to mergebert: it writes clean files itself and hands \
            the rest to `mergebert driver`. Build with -c release (static Swift runtime).
            """)

    @Option(help: "Runs of each command.") var runs = 20

    @Option(help: "The model directory (default: MERGEBERT_MODEL, else models/ of the build or install, as every command).") var model: String?

    func run() throws {
        let executable = URL(fileURLWithPath: RunningExecutable.path)
        let fastDriver = executable.deletingLastPathComponent().appendingPathComponent("mergebert-driver")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mergebert-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Resolved before moving into the scratch repository, so that a relative --model means what it says.
        let modelDirectory = model.map { URL(fileURLWithPath: $0).absoluteURL } ?? ResolutionModel.discover()
        // Children start where this process is: in the scratch repository.
        let previous = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(scratch.path)
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        _ = try time(URL(fileURLWithPath: "/usr/bin/env"), ["git", "init", "-q"])

        func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: scratch.appendingPathComponent(name)) }
        let lines = (0..<2000).map { "    value_\($0) = compute(\($0), other_\($0 % 17));\n" }
        func edited(_ edits: [Int: String]) -> String { lines.indices.map { edits[$0] ?? lines[$0] }.joined() }
        try write("clean.base", lines.joined())
        try write("clean.ours", edited([100: "    changed_ours = 1;\n"]))
        try write("clean.theirs", edited([1500: "    changed_theirs = 2;\n"]))
        try write("empty", "")
        // A typical conflicted Java file: 300 lines, three regions both sides changed differently.
        let java = (0..<300).map { "        int field\($0) = compute(alpha\($0), beta\($0));\n" }
        func javaFile(_ edits: [Int: String]) -> String { "class Sample {\n" + java.indices.map { edits[$0] ?? java[$0] }.joined() + "}\n" }
        try write("conflict.base", javaFile([:]))
        try write("conflict.ours", javaFile([40: "        int field40 = compute(gamma40, beta40);\n", 150: "        int field150 = compute(alpha150, beta150, 1);\n",
                                             260: "        long field260 = compute(alpha260, beta260);\n"]))
        try write("conflict.theirs", javaFile([40: "        int field40 = compute(alpha40, delta40);\n", 150: "        int field150 = compute(alpha150, beta150, 2);\n",
                                               260: "        int field260 = compute(alpha260, beta260, true);\n"]))

        var environment = ProcessInfo.processInfo.environment
        environment["MERGEBERT_MODEL"] = modelDirectory?.path ?? "none"
        /// Median milliseconds of a driver-style command that merges into a fresh copy of `ours`.
        func median(_ program: URL, _ arguments: (String) -> [String], ours: String, environment extra: [String: String] = [:]) throws -> Double {
            var times: [Double] = []
            for run in 0..<max(1, runs) {
                let target = "A\(run)"
                try FileManager.default.copyItem(at: scratch.appendingPathComponent(ours), to: scratch.appendingPathComponent(target))
                times.append(try time(program, arguments(target), environment: environment.merging(extra) { $1 }))
                try FileManager.default.removeItem(at: scratch.appendingPathComponent(target))
            }
            return times.sorted()[times.count / 2]
        }
        let git = URL(fileURLWithPath: RunningExecutable.searchPath(for: "git"))
        let gitMergeFile = try median(git, { ["merge-file", $0, "clean.base", "clean.theirs"] }, ours: "clean.ours")
        var rows: [(String, Double)] = []
        rows.append(("git merge-file", gitMergeFile))
        if FileManager.default.isExecutableFile(atPath: fastDriver.path) {
            rows.append(("mergebert-driver (what install registers)", try median(fastDriver, { ["clean.base", $0, "clean.theirs", "7", "Clean.java"] }, ours: "clean.ours")))
        }
        rows.append(("mergebert driver", try median(executable, { ["driver", "clean.base", $0, "clean.theirs", "7", "Clean.java"] }, ours: "clean.ours")))
        print("clean 2,000-line file, both sides changed, start to exit, median of \(runs) runs:")
        for (name, milliseconds) in rows {
            print(name.padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: "%7.1f ms  %4.1fx git merge-file", milliseconds, milliseconds / gitMergeFile))
        }
        print("")
        print("where the time goes:")
        if FileManager.default.isExecutableFile(atPath: fastDriver.path) {
            let start = try median(fastDriver, { ["empty", $0, "empty", "7", "Empty.java"] }, ours: "empty")
            print("mergebert-driver on empty files (start, write)".padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: "%7.1f ms", start))
        }
        let version = try median(executable, { _ in ["--version"] }, ours: "empty")
        print("mergebert --version (runtime, libraries)".padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: "%7.1f ms", version))
        let steps: [(String, [String: String])] = [
            ("MERGEBERT=0: + repository, labels, line merge", ["MERGEBERT": "0"]),
            ("--no-model: + token merge, checks, record", ["MERGEBERT_MODEL": "none"]),
            ("shipped model: + model load, scoring", [:]),
        ]
        print("")
        print("300-line Java file with 3 conflicting regions, mergebert driver, start to exit (target < 100 ms with the model):")
        for (name, extra) in steps {
            let milliseconds = try median(executable, { ["driver", "conflict.base", $0, "conflict.theirs", "7", "Sample.java"] }, ours: "conflict.ours",
                                          environment: extra)
            print(name.padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: "%7.1f ms", milliseconds))
        }
    }

    /// Wall-clock milliseconds of one run of `program`, its output discarded. posix_spawn and waitpid: Foundation's
    /// `Process` notices an exit only on its run loop's next turn, which would add tens of milliseconds.
    func time(_ program: URL, _ arguments: [String], environment: [String: String]? = nil) throws -> Double {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([program.path] + arguments).map { strdup($0) } + [nil]
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + variables).forEach { free($0) } }
        var child: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let status = posix_spawn(&child, program.path, &actions, nil, argv, variables)
        guard status == 0 else { throw CommandLineError.unreadable(path: program.path, reason: String(cString: strerror(status))) }
        var exitStatus: Int32 = 0
        while waitpid(child, &exitStatus, 0) < 0 && errno == EINTR {}
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }
}
