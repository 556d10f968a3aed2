import Foundation
import Modalities
import SimCMF

extension TrainingRun {
    /// The data, model and split options of a new run, as given (nil: not given; the defaults are `aims train`'s).
    public struct NewRunOptions {
        public var modality: String?
        public var plugin: String?
        public var data: String?
        /// An `aims build` manifest (`--manifest`): modality, root, samples and split come from it.
        public var manifest: String?
        /// The manifest's nested training subset, in percent (needs `manifest`).
        public var fraction: Int?
        /// `validation` (default) or `official` (needs `manifest`).
        public var splitScheme: String?
        /// The split that chooses the best checkpoint: `val`, `test` or `none` (nil: `val`, or `none` for the
        /// official scheme; `test` and `none` need `manifest`). See `ManifestSelection.split`.
        public var selectOn: String?
        public var weights: URL
        public var alignment: String = "simcmf"
        public var strategy: String?
        /// Input side S in pixels (nil: the checkpoint's).
        public var imageSize: Int?
        /// Share of the samples held out for validation without a manifest (nil: 0.2; refused with a manifest).
        public var validationFraction: Double?
        public var seed: UInt64 = 8888
        /// `modality`, `stats`, `range` or `none` (nil: the default of `DatasetSelection` / `ManifestSelection`).
        public var normalize: String?
        /// `pretrained` or `scratch`.
        public var initialization: String = "pretrained"

        public init(weights: URL) { self.weights = weights }
    }

    /// A new run in `folder` (which must not hold one): the record with the split (seeded, or the manifest's,
    /// every used file checked against its SHA-256) and the normalisation constants of the training split.
    public static func create(in folder: URL, options o: NewRunOptions) throws -> TrainingRun {
        let selection = try o.manifest.map { try ManifestSelection.load($0, data: o.data, modality: o.modality, plugin: o.plugin) }
        if selection == nil {
            if o.fraction != nil { throw RunOptionError(message: "--fraction needs --manifest") }
            if o.splitScheme != nil { throw RunOptionError(message: "--split-scheme needs --manifest") }
            if let s = o.selectOn, s != ModelSelection.Split.val.rawValue {
                throw RunOptionError(message: "--select-on \(s) needs --manifest (without one the run selects on its seeded validation share)")
            }
        }
        if selection != nil && o.validationFraction != nil { throw RunOptionError(message: "--val-fraction: the split comes from --manifest (use --split-scheme)") }
        guard let id = o.modality ?? selection?.modality.identifier else { throw RunOptionError(message: "--modality ID is required") }
        guard let data = o.data ?? selection?.root.path else { throw RunOptionError(message: "--data DIR is required") }
        if FileManager.default.fileExists(atPath: RunRecord.url(in: folder).path) { throw TrainingRunError.runExists(folder: folder.path) }
        let fraction = o.validationFraction ?? 0.2
        let plugin = o.plugin.map { URL(fileURLWithPath: $0).path }
        let modality = try selection?.modality ?? DatasetSelection.modality(id, plugin: plugin)
        let norm: (name: String, choice: ExampleNormalization) = try selection?.normalization(o.normalize)
            ?? DatasetSelection.normalization(o.normalize, modality: modality)
        let dataRoot = URL(fileURLWithPath: data)
        let samples = try selection?.samples ?? modality.samples(in: dataRoot)
        let chosen = try selection.map { try $0.split(scheme: o.splitScheme ?? "validation", fraction: o.fraction, selectOn: o.selectOn) }
        let split = try chosen?.split ?? SampleSplit(ids: samples.map(\.id), validationFraction: fraction, seed: o.seed)
        let selectedOn: ModelSelection.Split = chosen?.selection ?? (split.validation.isEmpty ? .noValidation : .val)
        try selection?.requireUnchanged(split.training + split.validation)
        let trainingIDs = Set(split.training)
        let constants = try norm.choice.resolve(modality: modality, root: dataRoot, samples: samples.filter { trainingIDs.contains($0.id) })
        let record = RunRecord(modality: modality.identifier, plugin: plugin, data: dataRoot.path, weights: o.weights.path, modelFamily: "",
                               alignment: o.alignment, strategy: o.strategy ?? "", imageSize: o.imageSize ?? 0,
                               channels: modality.channels.count, seed: o.seed, validationFraction: fraction, normalization: norm.name,
                               means: constants?.means, standardDeviations: constants?.standardDeviations, split: split,
                               manifest: selection?.url.path, initialization: o.initialization, selectedOn: selectedOn.rawValue,
                               inputChannels: modality.channels)
        return TrainingRun(folder: folder, record: record, modality: modality, dataRoot: dataRoot, samples: selection?.samples, resuming: false)
    }

    /// The run recorded in `folder`, to continue: its modality (or `modality`, which must give the same channel
    /// count), its data folder (or `data`), its manifest's files checked against their SHA-256.
    public static func resume(_ folder: URL, modality id: String?, plugin given: String?, data: String?) throws -> TrainingRun {
        let record = try RunRecord.read(from: folder)
        let plugin = given ?? (id == nil ? record.plugin : nil)
        let modality = try DatasetSelection.modality(id ?? record.modality, plugin: plugin)
        let dataRoot = URL(fileURLWithPath: data ?? record.data)
        var samples: [SampleFiles]?
        if let path = record.manifest {
            let selection = try ManifestSelection.load(path, data: dataRoot.path, modality: nil, plugin: plugin)
            try selection.requireUnchanged(record.split.training + record.split.validation)
            samples = selection.samples
        }
        guard modality.channels.count == record.channels else {
            throw TrainingRunError.channelMismatch(modality: modality.identifier, channels: modality.channels.count, run: folder.path,
                                                   modelChannels: record.channels)
        }
        return TrainingRun(folder: folder, record: record, modality: modality, dataRoot: dataRoot, samples: samples, resuming: true)
    }
}
