import Foundation
import TensorCore

/// `RUN_DIR/hashes.json`: the SHA-256 of every file a trained model is rebuilt from, written by `aims train`
/// when it writes the run record and after each checkpoint, checked when `aims eval --run` and
/// `aims predict --run` load the model. Runs written before this file existed have none: loading them warns.
public struct RunHashes: Codable, Equatable {
    public static let fileName = "hashes.json"

    /// Run-folder files by their path inside the folder: `aims-train.json`, `config.json`, `checkpoints/*.safetensors`.
    public var run: [String: String]
    /// Files the record names outside the folder, by their path as recorded: the weights and the JSON plugin.
    public var external: [String: String]

    public init(run: [String: String] = [:], external: [String: String] = [:]) {
        self.run = run
        self.external = external
    }

    public static func url(in folder: URL) -> URL { folder.appendingPathComponent(fileName) }

    /// The folder's hashes, or nil when it has no `hashes.json`.
    public static func read(from folder: URL) throws -> RunHashes? {
        let url = url(in: folder)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try RunFolderJSON.read(RunHashes.self, from: url)
    }

    public func write(to folder: URL) throws { try RunFolderJSON.write(self, to: RunHashes.url(in: folder)) }

    /// The run files (`aims-train.json`, `config.json` and every checkpoint) that exist in `folder` now.
    static func runFiles(in folder: URL) -> [String] {
        let checkpoints = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("checkpoints").path)) ?? []
        return ([RunRecord.fileName, "config.json"] + checkpoints.filter { $0.hasSuffix(".safetensors") }.sorted().map { "checkpoints/" + $0 })
            .filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
    }

    /// Hashes the run's files as they are now; the external files (the record's weights and plugin) only when
    /// `external` is nil (they do not change while a run trains, and hashing a large checkpoint costs seconds).
    public static func current(of folder: URL, record: RunRecord, external: [String: String]?) throws -> RunHashes {
        var hashes = RunHashes()
        for path in runFiles(in: folder) { hashes.run[path] = try SHA256.hex(fileAt: folder.appendingPathComponent(path)) }
        if let external {
            hashes.external = external
        } else {
            for path in [record.weights] + (record.plugin.map { [$0] } ?? []) {
                hashes.external[path] = try SHA256.hex(fileAt: URL(fileURLWithPath: path))
            }
        }
        return hashes
    }

    /// Checks that the run files `paths` (inside `folder`) and the external files `external` still have their
    /// recorded hashes; a file this record does not list is not checked.
    /// - Throws: `TrainingRunError.changedFile` naming the first file that differs or is missing.
    public func verify(runFiles paths: [String], external: [String], in folder: URL) throws {
        let checks = paths.compactMap { p in run[p].map { (folder.appendingPathComponent(p).path, $0) } }
            + external.compactMap { p in self.external[p].map { (p, $0) } }
        for (path, recorded) in checks {
            guard FileManager.default.fileExists(atPath: path) else {
                throw TrainingRunError.changedFile(file: path, recorded: recorded, found: "no such file", hashes: RunHashes.url(in: folder).path)
            }
            let found = try SHA256.hex(fileAt: URL(fileURLWithPath: path))
            if found != recorded { throw TrainingRunError.changedFile(file: path, recorded: recorded, found: found, hashes: RunHashes.url(in: folder).path) }
        }
    }
}
