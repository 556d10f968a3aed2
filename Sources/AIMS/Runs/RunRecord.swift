import Foundation
import TensorCore
import TensorFiles
import Transforms

/// `RUN_DIR/aims-train.json`: everything `aims train --resume` and `aims eval --run` need to rebuild
/// the exact model and data a run was trained with (the trainer's own `config.json` holds only the
/// training configuration). Paths are absolute as given at training time.
public struct RunRecord: Codable, Equatable {
    public static let fileName = "aims-train.json"

    public var modality: String
    public var plugin: String?
    public var data: String
    public var weights: String
    /// `"sam"` or `"litemedsam"`.
    public var modelFamily: String
    public var alignment: String
    public var strategy: String
    public var imageSize: Int
    public var channels: Int
    public var seed: UInt64
    public var validationFraction: Double
    /// `modality`, `statistics` or `none`: how the constants below were chosen.
    public var normalization: String
    public var means: [Double]?
    public var standardDeviations: [Double]?
    public var split: SampleSplit
    /// The `aims build` manifest the samples and split come from (`--manifest`), absolute; nil without one.
    public var manifest: String? = nil
    /// `--init`: `pretrained` or `scratch`; absent in records written before the option (pretrained).
    public var initialization: String?
    /// `--select-on`: the split that chose `best` (`val`, `test` or `none`); absent in records written before the
    /// option (`ModelSelection.of` infers it).
    public var selectedOn: String? = nil
    /// The modality's channels (name, unit, kind) at training; `aims predict --run` refuses samples that decode
    /// to others. Absent in records written before it.
    public var inputChannels: [ChannelDescriptor]? = nil

    public init(modality: String, plugin: String?, data: String, weights: String, modelFamily: String, alignment: String, strategy: String,
                imageSize: Int, channels: Int, seed: UInt64, validationFraction: Double, normalization: String, means: [Double]?,
                standardDeviations: [Double]?, split: SampleSplit, manifest: String? = nil, initialization: String?,
                selectedOn: String? = nil, inputChannels: [ChannelDescriptor]? = nil) {
        self.modality = modality; self.plugin = plugin; self.data = data; self.weights = weights; self.modelFamily = modelFamily
        self.alignment = alignment; self.strategy = strategy; self.imageSize = imageSize; self.channels = channels; self.seed = seed
        self.validationFraction = validationFraction; self.normalization = normalization; self.means = means
        self.standardDeviations = standardDeviations; self.split = split; self.manifest = manifest; self.initialization = initialization
        self.selectedOn = selectedOn
        self.inputChannels = inputChannels
    }

    /// `initialization` parsed (absent or unknown: pretrained is what older records meant).
    public var initializationKind: ModelFactory.Initialization {
        initialization.flatMap(ModelFactory.Initialization.init(rawValue:)) ?? .pretrained
    }

    public static func url(in run: URL) -> URL { run.appendingPathComponent(fileName) }

    public static func read(from run: URL) throws -> RunRecord {
        let url = url(in: run)
        guard FileManager.default.fileExists(atPath: url.path) else { throw TrainingRunError.missingRecord(file: url.path) }
        return try RunFolderJSON.read(RunRecord.self, from: url)
    }

    public func write(to run: URL) throws { try RunFolderJSON.write(self, to: RunRecord.url(in: run)) }
}

/// The JSON files of a run folder: pretty-printed with sorted keys, written atomically; a file that does not decode
/// is `TrainingRunError.badRecord` naming it.
enum RunFolderJSON {
    static func read<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
        } catch {
            throw TrainingRunError.badRecord(file: url.path, reason: "\(error)")
        }
    }

    static func write<T: Encodable>(_ value: T, to url: URL) throws {
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try AtomicFile.write(try enc.encode(value), to: url, durable: true)
    }
}
