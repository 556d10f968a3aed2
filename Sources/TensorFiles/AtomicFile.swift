import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader never sees half of one: the bytes go to a temporary name in the same folder,
/// and only a complete file is renamed into place. On any failure (a full disk, an unwritable folder) the
/// temporary file is removed and the destination is left as it was. A process killed at any moment leaves
/// either the old file or the new one, plus at most a `.<name>.tmp-<pid>-<random>` file beside it.
///
/// `durable: true` also survives a power cut: the file is flushed (`fsync`) before the rename and the folder
/// after it. Training runs and manifests use it (a checkpoint stands for hours of work); files that are
/// regenerated from their sources in seconds (converted channels, masks, reports) skip the two flushes, which
/// were 7 % of converting a depth map (docs/RELIABILITY.md, "Atomic files").
public enum AtomicFile {
    /// Writes `data` to `url` atomically. A failure's description is the system's reason (e.g. `No space left on
    /// device`, `File too large`), for the caller to put after the file's name.
    public static func write(_ data: Data, to url: URL, durable: Bool = false) throws {
        try write(to: url, durable: durable) { tmp in
            let fd = open(tmp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw failure("cannot create \(tmp.lastPathComponent)", path: tmp.path, code: errno) }
            var code: Int32 = 0
            data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        code = errno
                        return
                    }
                    offset += n
                }
            }
            if close(fd) != 0 && code == 0 { code = errno }
            if code != 0 { throw failure(nil, path: tmp.path, code: code) }
        }
    }

    /// Calls `produce` with a temporary path beside `url`; when it returns, renames the file it wrote onto
    /// `url` (flushing file and folder when `durable`). If `produce` (or a flush) throws, the temporary file
    /// is deleted and the error rethrown.
    public static func write(to url: URL, durable: Bool = false, _ produce: (URL) throws -> Void) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try produce(tmp)
            if durable { try flush(tmp, directory: false) }
            if rename(tmp.path, url.path) != 0 {
                throw failure("cannot rename \(tmp.path) to \(url.path)", path: url.path, code: errno)
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
        if durable { try flush(dir, directory: true) }
    }

    /// `fsync` of the file or folder at `url`. Folders on file systems that cannot sync them (EINVAL) pass.
    static func flush(_ url: URL, directory: Bool) throws {
        let fd = open(url.path, directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY)
        guard fd >= 0 else { throw failure("cannot open \(url.path) to flush it", path: url.path, code: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 {
            let code = errno
            if directory && (code == EINVAL || code == EROFS) { return }
            throw failure("cannot flush \(url.path) to the disk", path: url.path, code: code)
        }
    }

    private static func failure(_ what: String?, path: String, code: Int32) -> CocoaError {
        let reason = String(cString: strerror(code))
        return CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path,
                                                        NSLocalizedDescriptionKey: what.map { "\($0): \(reason)" } ?? reason])
    }

    /// `write(2)` (the name is taken by this type's own methods).
    private static func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.write(fd, buffer, count)
        #else
        return Darwin.write(fd, buffer, count)
        #endif
    }
}
