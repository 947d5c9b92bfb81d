import Foundation

#if canImport(Darwin)
import Darwin
#endif

/// The absolute path of the running `mergebert`, as the kernel knows it.
///
/// `CommandLine.arguments[0]` is what the shell typed (`mergebert` found through PATH, or a relative
/// path): resolving it against the working directory names a file that may not exist. The driver command
/// that `install` writes and the model search both start from this path instead.
public enum RunningExecutable {
    public static var path: String {
        #if os(Linux)
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return resolved
        }
        #elseif canImport(Darwin)
        var size: UInt32 = 0
        _ = _NSGetExecutablePath(nil, &size)
        var buffer = [CChar](repeating: 0, count: Int(size) + 1)
        if _NSGetExecutablePath(&buffer, &size) == 0 {
            return URL(fileURLWithPath: String(cString: buffer)).resolvingSymlinksInPath().path
        }
        #endif
        return searchPath(for: CommandLine.arguments[0])
    }

    /// `name` as the shell found it: a path with a slash is taken as it is, a bare name is looked up in PATH.
    public static func searchPath(for name: String) -> String {
        if name.contains("/") {
            return URL(fileURLWithPath: name, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
                .standardizedFileURL.resolvingSymlinksInPath().path
        }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.resolvingSymlinksInPath().path }
        }
        return name
    }
}
