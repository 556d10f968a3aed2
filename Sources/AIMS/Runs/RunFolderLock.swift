import Foundation

/// The exclusive lock of a run folder while `aims train` writes to it: `flock` on `RUN_DIR/.aims-train.lock`,
/// which holds the owner's process id (for the message a second process gets). The kernel drops the lock when
/// its process ends, however it ends (a crash or SIGKILL included), so a stale lock file never blocks a
/// `--resume`; only a live process does.
public final class RunFolderLock {
    public static let fileName = ".aims-train.lock"
    private let descriptor: Int32

    /// Locks `folder` (created if missing) or throws `TrainingRunError.busy` naming the process that holds it.
    public init(_ folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(RunFolderLock.fileName)
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TrainingRunError.badRecord(file: url.path, reason: "cannot open the run folder's lock: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            guard code == EWOULDBLOCK else {
                throw TrainingRunError.badRecord(file: url.path, reason: "cannot lock the run folder: \(String(cString: strerror(code)))")
            }
            let holder = Int(String(decoding: buffer.prefix(max(n, 0)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
            throw TrainingRunError.busy(folder: folder.path, pid: holder)
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
        descriptor = fd
    }

    /// Removes the temporary files (`.<name>.tmp-<pid>-<n>`, `AtomicFile`) a killed process left in the run
    /// folder and its `checkpoints/` and `validation/`: with the lock held, no live process is writing them.
    /// Returns their names.
    @discardableResult
    public func removeStaleTemporaries(in folder: URL) -> [String] {
        var removed: [String] = []
        for sub in ["", "checkpoints", "validation"] {
            let dir = sub.isEmpty ? folder : folder.appendingPathComponent(sub)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where name.hasPrefix(".") && name.contains(".tmp-") {
                if (try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))) != nil { removed.append(sub.isEmpty ? name : "\(sub)/\(name)") }
            }
        }
        return removed.sorted()
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
