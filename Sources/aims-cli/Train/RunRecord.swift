import AIMS
import Foundation
import Tensor

/// `RUN_DIR/aims-train.json`: everything `aims train --resume` and `aims eval --run` need to rebuild
/// the exact model and data a run was trained with (the trainer's own `config.json` holds only the
/// training configuration). Paths are absolute as given at training time.
struct RunRecord: Codable, Equatable {
    static let fileName = "aims-train.json"

    var modality: String
    var plugin: String?
    var data: String
    var weights: String
    /// `"sam"` or `"litemedsam"`.
    var modelFamily: String
    var alignment: String
    var strategy: String
    var imageSize: Int
    var channels: Int
    var seed: UInt64
    var validationFraction: Double
    /// `modality`, `statistics` or `none`: how the constants below were chosen.
    var normalization: String
    var means: [Double]?
    var standardDeviations: [Double]?
    var split: SampleSplit
    /// The `aims build` manifest the samples and split come from (`--manifest`), absolute; nil without one.
    var manifest: String? = nil
    /// `--init`: `pretrained` or `scratch`; absent in records written before the option (pretrained).
    var initialization: String?

    /// `initialization` parsed (absent or unknown: pretrained is what older records meant).
    var initializationKind: ModelFactory.Initialization {
        initialization.flatMap(ModelFactory.Initialization.init(rawValue:)) ?? .pretrained
    }

    static func url(in run: URL) -> URL { run.appendingPathComponent(fileName) }

    static func read(from run: URL) throws -> RunRecord {
        let url = url(in: run)
        guard FileManager.default.fileExists(atPath: url.path) else { throw TrainCommandError.missingRecord(file: url.path) }
        do {
            return try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: url))
        } catch {
            throw TrainCommandError.badRecord(file: url.path, reason: "\(error)")
        }
    }

    func write(to run: URL) throws {
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try AtomicFile.write(try enc.encode(self), to: RunRecord.url(in: run))
    }
}

/// Failures of `aims train` / `aims eval` that are not usage mistakes; each names the file or field.
enum TrainCommandError: Error, LocalizedError {
    case missingRecord(file: String)
    case badRecord(file: String, reason: String)
    case runExists(folder: String)
    case channelMismatch(modality: String, channels: Int, run: String, modelChannels: Int)
    case noCheckpoint(folder: String)
    case unsupported(field: String, reason: String)

    var errorDescription: String? {
        switch self {
        case let .missingRecord(file): return "\(file): no such file (not a run folder written by aims train)"
        case let .badRecord(file, reason): return "\(file): not a valid run record: \(reason)"
        case let .runExists(folder): return "\(folder): already holds a run (\(RunRecord.fileName)); pass --resume to continue it or choose another --out"
        case let .channelMismatch(modality, channels, run, modelChannels):
            return "modality \(modality) gives \(channels) channels, but the model of run \(run) takes \(modelChannels) (\(RunRecord.fileName): channels)"
        case let .noCheckpoint(folder): return "\(folder): no training state to use (checkpoints/best.safetensors, checkpoints/last.safetensors or config.json missing)"
        case let .unsupported(field, reason): return "\(field): \(reason)"
        }
    }
}
