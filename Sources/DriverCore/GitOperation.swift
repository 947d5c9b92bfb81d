#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MergeCore

/// The git command that started this merge, read from the command lines of the driver's ancestors.
public struct GitOperation: Sendable, Equatable {
    /// The subcommand (`merge`, `rebase`, `cherry-pick`, `revert`, `stash`, `pull`...), or nil when unknown.
    public var command: String?
    /// Its arguments that are not options.
    public var revisions: [String]
    /// The `-s`/`--strategy` it was given.
    public var strategy: String?

    public init(command: String?, revisions: [String] = [], strategy: String? = nil) {
        self.command = command
        self.revisions = revisions
        self.strategy = strategy
    }

    /// The line merge git applies for this operation: the recursive strategy's when asked for, else merge-ort's.
    public var flavor: LineMergeFlavor { strategy == "recursive" ? .mergeRecursive : .gitMerge }

    /// git's options that come before the subcommand and take a value.
    static let globalOptionsWithValue: Set<String> = ["-c", "-C", "--git-dir", "--work-tree", "--namespace", "--config-env"]

    /// Reads a git command line (`git [global options] command [arguments]`); nil when it is not git's.
    public static func parse(_ arguments: [String]) -> GitOperation? {
        guard let program = arguments.first, program == "git" || program.hasSuffix("/git") else { return nil }
        var index = 1
        while index < arguments.count, arguments[index].hasPrefix("-") {
            index += globalOptionsWithValue.contains(arguments[index]) ? 2 : 1
        }
        guard index < arguments.count else { return nil }
        var operation = GitOperation(command: arguments[index])
        var rest = arguments[(index + 1)...].makeIterator()
        while let argument = rest.next() {
            if argument == "-s" || argument == "--strategy" {
                operation.strategy = rest.next()
            } else if argument.hasPrefix("--strategy=") {
                operation.strategy = String(argument.dropFirst("--strategy=".count))
            } else if argument.hasPrefix("-s"), argument.count > 2, !argument.hasPrefix("--") {
                operation.strategy = String(argument.dropFirst(2))
            } else if argument == "-m" || argument == "-X" || argument == "--strategy-option" {
                _ = rest.next()
            } else if !argument.hasPrefix("-") {
                operation.revisions.append(argument)
            }
        }
        return operation
    }

    /// The nearest git ancestor's command. git runs drivers through `sh -c`, so the git process is the
    /// parent or the grandparent.
    public static func fromProcessAncestry() -> GitOperation {
        var process = getppid()
        for _ in 0..<4 where process > 1 {
            if let data = try? PlainFile.read("/proc/\(process)/cmdline") {
                let arguments = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
                if let operation = parse(arguments.last == "" ? Array(arguments.dropLast()) : arguments) { return operation }
            }
            guard let parent = parentProcess(of: process) else { break }
            process = parent
        }
        return GitOperation(command: nil)
    }

    /// The parent of `process`, from /proc (the fourth field of `stat`, after the parenthesised name).
    static func parentProcess(of process: pid_t) -> pid_t? {
        guard let bytes = try? PlainFile.read("/proc/\(process)/stat") else { return nil }
        let stat = String(decoding: bytes, as: UTF8.self)
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }
}
