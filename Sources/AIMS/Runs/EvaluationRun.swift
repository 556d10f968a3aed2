import Foundation
import Modalities
import SimCMF
import TensorCore

/// The model and examples `aims eval` scores: a run folder's checkpoint on its own split (or other data), or
/// pretrained weights with an untrained alignment. Scoring (`score`) runs an `EvaluationProtocol`.
public struct EvaluationRun {
    public var model: any SegmentationModel
    public var source: ModalityExampleSource
    /// One line for the log, e.g. "LiteMedSAM (3 channels, full) (pretrained, untrained alignment)".
    public var modelDescription: String
    /// The checkpoint file loaded (nil without a run folder).
    public var checkpoint: String?
    /// The precision the checkpoint was trained with (nil without a run folder).
    public var trainingPrecision: Precision?
    /// The split scored: `all`, the run's `val` / `train`, or a manifest split name.
    public var splitName: String
    /// With a run folder's best checkpoint: the split that chose it (nil for the last checkpoint, which nothing
    /// chose, and for pretrained weights).
    public var selection: ModelSelection?
    /// Notes for the log (a run without `hashes.json`).
    public var warnings: [String] = []

    /// The ids of a manifest's split `split` (nil: `test`), every file checked against its SHA-256.
    public static func manifestSplit(_ selection: ManifestSelection, split: String?) throws -> (name: String, ids: [String]) {
        let name = split ?? "test"
        guard let ids = selection.manifest.ids(ofSplit: name) else {
            throw RunOptionError(message: "--split with --manifest must be test, val, train or validation-train, got \(name)")
        }
        guard !ids.isEmpty else { throw RunOptionError(message: "--split \(name): the manifest's split is empty") }
        try selection.requireUnchanged(ids)
        return (name, ids)
    }

    /// A run folder's model with checkpoint `checkpoint` (`best` if present, else `last`), on the manifest's split
    /// (`manifest`), other data (`data`: every sample) or the run's own split `split` (`val` when it has one, else `all`).
    public static func fromRun(_ folder: URL, checkpoint name: String?, manifest: (selection: ManifestSelection, split: String, ids: [String])?,
                               modality id: String?, plugin: String?, data: String?, split: String?) throws -> EvaluationRun {
        let selection = manifest?.selection
        let record = try RunRecord.read(from: folder)
        let otherData = data != nil && selection == nil
        let modality = try selection?.modality ?? DatasetSelection.modality(id ?? record.modality, plugin: plugin ?? (id == nil ? record.plugin : nil))
        guard modality.channels.count == record.channels else {
            throw TrainingRunError.channelMismatch(modality: modality.identifier, channels: modality.channels.count, run: folder.path,
                                                   modelChannels: record.channels)
        }
        let trained = try TrainedModel.load(folder, checkpoint: name, record: record, plugin: plugin == nil && id == nil)
        let model = trained.model
        let normalization = try DatasetSelection.constants(means: record.means, standardDeviations: record.standardDeviations)
            .resolve(modality: modality, root: URL(fileURLWithPath: record.data), samples: [])
        let root = selection?.root ?? URL(fileURLWithPath: data ?? record.data)
        var ids: [String]?
        var splitName = manifest?.split ?? "all"
        if let manifest {
            ids = manifest.ids
        } else if !otherData {
            splitName = split ?? (record.split.validation.isEmpty ? "all" : "val")
            switch splitName {
            case "val": ids = record.split.validation
            case "train": ids = record.split.training
            case "all": ids = nil
            default: throw RunOptionError(message: "--split must be val, train or all, got \(splitName)")
            }
            if ids?.isEmpty == true { throw RunOptionError(message: "--split \(splitName): the run's split is empty") }
        } else if split != nil {
            throw RunOptionError(message: "--split applies to the run's own data; with --data every sample is scored")
        }
        // A run trained from a manifest names its split by the manifest's sample ids: its own split is looked up there.
        var samples = selection?.samples
        if selection == nil, !otherData, let path = record.manifest {
            let recorded = try ManifestSelection.load(path, data: record.data, modality: nil, plugin: plugin ?? (id == nil ? record.plugin : nil))
            try recorded.requireUnchanged(ids ?? recorded.samples.map(\.id))
            samples = recorded.samples
        }
        let source = try ModalityExampleSource(modality: modality, root: root, samples: samples, ids: ids, inputSize: model.inputSize,
                                               normalization: normalization)
        return EvaluationRun(model: model, source: source, modelDescription: trained.description, checkpoint: trained.checkpoint.path,
                             trainingPrecision: trained.trainingPrecision,
                             splitName: splitName, selection: trained.checkpoint.lastPathComponent == "best.safetensors" ? ModelSelection.of(record) : nil,
                             warnings: trained.warnings)
    }

    /// Pretrained weights with an untrained `alignment`, on every sample of `data` or of
    /// the manifest's split; `normalize` as `aims eval --normalize`.
    public static func pretrained(weights: URL, alignment: AlignmentKind, imageSize: Int?, manifest: (selection: ManifestSelection, split: String, ids: [String])?,
                                  modality id: String?, plugin: String?, data: String?, normalize: String?) throws -> EvaluationRun {
        let selection = manifest?.selection
        guard let id = id ?? selection?.modality.identifier else { throw RunOptionError(message: "--modality ID is required (or --run RUN_DIR)") }
        guard let data = data ?? selection?.root.path else { throw RunOptionError(message: "--data DIR is required (or --run RUN_DIR)") }
        let modality = try selection?.modality ?? DatasetSelection.modality(id, plugin: plugin)
        let channels = modality.channels.count
        let built = try ModelFactory.build(weights: weights, channels: channels, alignment: alignment, strategy: "full", imageSize: imageSize, seed: 0)
        if let mixed = built.model as? ChannelMixedLiteMedSAM, mixed.mixer != nil {
            throw TrainingRunError.unsupported(field: "--weights \(weights.lastPathComponent)",
                                               reason: "pretrained \(mixed.base.variant.name) takes 3 channels, \(modality.identifier) has \(channels); train a channel mixer with aims train first")
        }
        let root = URL(fileURLWithPath: data)
        let samples = try manifest.map { try $0.selection.manifest.sampleFiles($0.ids) } ?? modality.samples(in: root)
        let choice = try selection?.normalization(normalize)?.choice ?? DatasetSelection.normalization(normalize, modality: modality).choice
        let normalization = try choice.resolve(modality: modality, root: root, samples: samples)
        let source = try ModalityExampleSource(modality: modality, root: root, samples: samples, inputSize: built.model.inputSize, normalization: normalization)
        return EvaluationRun(model: built.model, source: source, modelDescription: built.description + " (pretrained, untrained alignment)",
                             checkpoint: nil, trainingPrecision: nil, splitName: manifest?.split ?? "all", selection: nil)
    }
}
