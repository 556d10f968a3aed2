import Foundation

/// Writes files so that a reader never sees half of one: the bytes go to a temporary name in the
/// same folder, and only a complete file is renamed into place. On any failure the temporary file
/// is removed and the destination is left as it was.
public enum AtomicFile {
    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { tmp in try data.write(to: tmp) }
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
