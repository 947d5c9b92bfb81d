import CLibGit2

/// A libgit2 failure, with libgit2's own message.
public struct GitError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32
    public let message: String

    public var description: String { "\(operation) failed: \(message)" }

    /// Reads libgit2's last error for a call that returned `code`.
    static func last(_ operation: String, code: Int32) -> GitError {
        let message = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "error \(code)"
        return GitError(operation: operation, code: code, message: message)
    }
}

/// libgit2 must be initialised once per process before any call; this does it on first use.
enum LibGit2 {
    private static let initialized: Bool = {
        git_libgit2_init()
        return true
    }()

    static func ensureInitialized() {
        _ = initialized
    }

    /// Runs a libgit2 call and turns a negative result into a `GitError`.
    @discardableResult
    static func check(_ operation: String, _ call: () -> Int32) throws -> Int32 {
        ensureInitialized()
        let code = call()
        if code < 0 { throw GitError.last(operation, code: code) }
        return code
    }
}
