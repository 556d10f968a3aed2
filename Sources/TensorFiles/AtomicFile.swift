import Foundation

/// Writes files so that a reader never sees half of one: the bytes go to a temporary name in the
/// same folder, and only a complete file is renamed into place. On any failure the temporary file
/// is removed and the destination is left as it was.
public enum AtomicFile {
    /// Writes `data` to `url` atomically. Plain `write(2)` calls: Foundation's `Data.write` also fsyncs every
    /// file, which is not needed for readers never to see half of one and was 7 % of converting a depth map
    /// (two files each: the array and its JSON sidecar).
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { tmp in
            let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw posixError(errno, "cannot create", tmp) }
            var failure: Int32 = 0
            data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                var done = 0
                while done < bytes.count {
                    let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
                    if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                    done += n
                }
            }
            if close(fd) != 0 && failure == 0 { failure = errno }
            if failure != 0 { throw posixError(failure, "cannot write", tmp) }
        }
    }

    static func posixError(_ code: Int32, _ what: String, _ url: URL) -> CocoaError {
        CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
                                                 NSLocalizedDescriptionKey: "\(what) \(url.path): \(String(cString: strerror(code)))"])
    }

    /// Calls `produce` with a temporary path beside `url`; when it returns, renames the file it
    /// wrote onto `url`. If `produce` throws, the temporary file is deleted and the error rethrown.
    public static func write(to url: URL, _ produce: (URL) throws -> Void) throws {
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try produce(tmp)
            if rename(tmp.path, url.path) != 0 {
                let code = errno
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
                    NSLocalizedDescriptionKey: "cannot rename \(tmp.path) to \(url.path): \(String(cString: strerror(code)))"])
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        }
    }
}
