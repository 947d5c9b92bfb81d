#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
private let systemWrite = Darwin.write
#endif

/// Whole-file reads and atomic replacement with plain system calls: the driver's files are read and
/// written before (and often instead of) loading anything heavier.
public enum PlainFile {
    /// Why a file could not be read or written, in the system's words.
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reading: Bool
        public let reason: String

        public var description: String { "cannot \(reading ? "read" : "write") \(path): \(reason)" }
    }

    static func failure(_ path: String, reading: Bool) -> Failure {
        Failure(path: path, reading: reading, reason: String(cString: strerror(errno)))
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Writes a line to standard error, unbuffered (a driver's message must reach git even if it exits next).
    public static func printError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { systemWrite(2, $0.baseAddress! + written, $0.count - written) }
            if count <= 0 { return }
            written += count
        }
    }

    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, reading: true) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var information = stat()
        if fstat(descriptor, &information) == 0, information.st_size > 0 { bytes.reserveCapacity(Int(information.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path, reading: true)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Replaces `path` with `bytes` through a temporary file in the same folder and a rename, so that a
    /// reader sees the old or the new file, never half of one; an existing file keeps its permissions.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(Failure) {
        var template = Array((path + ".mergebert-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw failure(path, reading: false) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var error: Failure?
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                error = failure(path, reading: false)
                break
            }
            written += count
        }
        var information = stat()
        let mode = stat(path, &information) == 0 ? information.st_mode & 0o7777 : 0o666 & ~currentUmask()
        if error == nil, fchmod(descriptor, mode) != 0 { error = failure(path, reading: false) }
        if close(descriptor) != 0, error == nil { error = failure(path, reading: false) }
        if error == nil, rename(temporary, path) != 0 { error = failure(path, reading: false) }
        if let error {
            unlink(temporary)
            throw error
        }
    }

    /// The process's umask (reading it means setting it: it is put back at once).
    static func currentUmask() -> mode_t {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }
}
