import Foundation

/// Failures of training and evaluation runs (`aims train`, `aims eval`) that are not option mistakes; each names
/// the file or field.
public enum TrainingRunError: Error, LocalizedError, Equatable {
    case missingRecord(file: String)
    case badRecord(file: String, reason: String)
    case runExists(folder: String)
    case channelMismatch(modality: String, channels: Int, run: String, modelChannels: Int)
    case noCheckpoint(folder: String)
    case unsupported(field: String, reason: String)
    /// A file of a trained run differs from the SHA-256 `aims train` recorded in `hashes` (or is gone).
    case changedFile(file: String, recorded: String, found: String, hashes: String)
    /// `--precision requested` on the resume of a run whose `file` (config.json) records `recorded`.
    case precisionChange(file: String, recorded: String, requested: String)
    /// Another live process trains in the run folder (it holds `RunFolderLock`); `pid` when it could be read.
    case busy(folder: String, pid: Int?)

    public var errorDescription: String? {
        switch self {
        case let .missingRecord(file): return "\(file): no such file (not a run folder written by aims train)"
        case let .badRecord(file, reason): return "\(file): not a valid run record: \(reason)"
        case let .runExists(folder): return "\(folder): already holds a run (\(RunRecord.fileName)); pass --resume to continue it or choose another --out"
        case let .channelMismatch(modality, channels, run, modelChannels):
            return "modality \(modality) gives \(channels) channels, but the model of run \(run) takes \(modelChannels) (\(RunRecord.fileName): channels)"
        case let .noCheckpoint(folder): return "\(folder): no training state to use (checkpoints/best.safetensors, checkpoints/last.safetensors or config.json missing)"
        case let .unsupported(field, reason): return "\(field): \(reason)"
        case let .changedFile(file, recorded, found, hashes):
            return "\(file): changed since training: SHA-256 \(found), \(hashes) records \(recorded) (retrain, or restore the file)"
        case let .precisionChange(file, recorded, requested):
            return "--precision \(requested): the run trains in \(recorded) (\(file): training.precision); a resumed run keeps its "
                + "precision so that it equals the run left uninterrupted (omit --precision, or start a new run)"
        case let .busy(folder, pid):
            return "\(folder): another aims train\(pid.map { " (process \($0))" } ?? "") is writing this run folder; wait for it to end or choose another --out"
        }
    }
}

/// A mistake in the options of a run (a value the library refuses, or options that do not go together). The
/// message names the `aims` option, as the CLI prints it with the usage and exit code 64
/// (`Sources/aims-cli/CommandLineTool.swift`).
public struct RunOptionError: Error, LocalizedError, Equatable {
    public var message: String
    public init(message: String) { self.message = message }
    public var errorDescription: String? { message }
}
