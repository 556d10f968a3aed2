import Distributed
import Foundation
import Modalities
import SimCMF
import TensorCore

/// What a finished (or resumed and finished) training run reports: `aims train --json` prints it as is.
public struct TrainingRunSummary: Encodable, Sendable {
    public var run: String
    public var modality: String
    public var channels: Int
    public var model: String
    public var alignment: String
    public var strategy: String
    /// Model input side S (pixels).
    public var inputSize: Int
    public var trainableValues: Int
    public var trainingSamples: Int
    public var validationSamples: Int
    public var normalization: String
    /// The products' arithmetic of every step and validation (`TrainingConfiguration.precision`): fp32 or bf16.
    public var precision: String
    public var resumedFromEpoch: Int?
    public var epochsCompleted: Int
    /// Mean DiceCE loss of each epoch trained by this call.
    public var epochLosses: [Double]
    public var lastValidationMIoU: Double?
    public var bestValidationMIoU: Double?
    public var bestEpoch: Int?
    /// The split that chose `bestCheckpoint` (and `bestValidationMIoU`); `optimistic` when it was the test split.
    public var modelSelection: ModelSelection
    public var lastCheckpoint: String
    public var bestCheckpoint: String?
    /// Wall-clock seconds since `start` of `TrainingRun.train`.
    public var seconds: Double
}

/// Trains the model of a run record in its run folder (`aims train`): builds the model as recorded (a new
/// record gets its family, strategy and size filled in), reads the trainer's `config.json` on resume, makes the
/// example sources (cached within a 2 GiB budget), restores the last checkpoint, writes `aims-train.json` and
/// trains. Creating or reading the record (options, splits, normalisation) is the caller's part.
public struct TrainingRun {
    public var folder: URL
    public var record: RunRecord
    public var modality: any Modality
    public var dataRoot: URL
    /// The samples of a manifest (`ManifestSelection.samples`); nil: the modality's own discovery in `dataRoot`.
    public var samples: [SampleFiles]?
    /// Continue the run in `folder` (its `config.json` and last checkpoint).
    public var resuming: Bool

    public init(folder: URL, record: RunRecord, modality: any Modality, dataRoot: URL, samples: [SampleFiles]?, resuming: Bool) {
        self.folder = folder; self.record = record; self.modality = modality; self.dataRoot = dataRoot
        self.samples = samples; self.resuming = resuming
    }

    /// The part of the trainer's `config.json` a resume needs.
    struct SavedConfig: Decodable { var training: TrainingConfiguration }

    /// - Parameters:
    ///   - configuration: a new run's training configuration (its seed is the record's; a nil precision is
    ///     recorded as fp32); ignored on resume, where everything but `epochs` comes from `config.json`.
    ///   - epochs: overrides the epochs (a resumed run may be extended).
    ///   - precision: on resume, the precision asked for (`--precision`), which must be the recorded one
    ///     (`TrainingRunError.precisionChange`); nil: the recorded one. Ignored for a new run.
    ///   - embeddingCacheBytes: the trainer's embedding-cache budget (nil: the trainer's default).
    ///   - start: when the run started, for `TrainingRunSummary.seconds`.
    ///   - log: human-readable notes (loading, resuming, skipped examples, checkpoints).
    ///   - progress: after each optimiser step, with the configured number of epochs.
    ///   - communicator: the ranks of a data-parallel run (every rank calls `train`; rank 0 alone writes `folder`).
    ///   - overlapsGradientSums: with several ranks, sum gradients during backward (`Trainer.overlapsGradientSums`).
    ///   - overlapBucketElements: values per bucket of that sum (nil: `Trainer.overlapBucketElements`).
    public func train(configuration new: TrainingConfiguration, epochs: Int?, precision: Precision? = nil, embeddingCacheBytes: Int?, start: Date,
                      communicator: any Communicator = SingleProcess(), overlapsGradientSums: Bool = true, overlapBucketElements: Int? = nil,
                      log: @escaping (String) -> Void, progress: @escaping (TrainingProgress, _ epochs: Int) -> Void) throws -> TrainingRunSummary {
        // One process at a time writes a run folder (rank 0 of a data-parallel job); the lock goes with this call
        // (or the process).
        let lock = communicator.isRoot ? try RunFolderLock(folder) : nil
        defer { withExtendedLifetime(lock) {} }
        let stale = lock?.removeStaleTemporaries(in: folder) ?? []
        if !stale.isEmpty { log("removed \(stale.count) temporary file(s) of an interrupted attempt: \(stale.joined(separator: ", "))") }
        var record = record
        let weights = URL(fileURLWithPath: record.weights)
        log("loading \(weights.path)")
        let built = try ModelFactory.build(weights: weights, channels: record.channels, alignment: AlignmentKind(rawValue: record.alignment)!,
                                           strategy: record.strategy.isEmpty ? nil : record.strategy,
                                           imageSize: record.imageSize > 0 ? record.imageSize : nil, initialization: record.initializationKind,
                                           seed: record.seed)
        record.modelFamily = built.family
        record.strategy = built.strategy
        record.imageSize = built.model.inputSize
        let model = built.model

        var configuration = new
        configuration.seed = record.seed
        if resuming {
            // Everything but epochs comes from the checkpoint's recorded configuration (the trainer checks it).
            let url = folder.appendingPathComponent("config.json")
            guard FileManager.default.fileExists(atPath: url.path) else { throw TrainingRunError.noCheckpoint(folder: folder.path) }
            do {
                configuration = try JSONDecoder().decode(SavedConfig.self, from: Data(contentsOf: url)).training
            } catch {
                throw TrainingRunError.badRecord(file: url.path, reason: "\(error)")
            }
            // A resumed run continues in the precision its checkpoints were trained in (so that it equals the run
            // left uninterrupted, as every other recorded setting).
            if let precision, precision != configuration.productPrecision {
                throw TrainingRunError.precisionChange(file: url.path, recorded: configuration.productPrecision.rawValue, requested: precision.rawValue)
            }
        } else if configuration.precision == nil {
            configuration.precision = .fp32   // recorded explicitly
        }
        if let epochs { configuration.epochs = epochs }

        let normalization = try DatasetSelection.constants(means: record.means, standardDeviations: record.standardDeviations)
            .resolve(modality: modality, root: dataRoot, samples: [])
        // Prepared examples are cached within a 2 GiB budget (estimate: image and label at S x S, the original label
        // counted at S x S too, 4 bytes a value); beyond it they are decoded again each epoch.
        let side = model.inputSize
        let bytesPerExample = 4 * (record.channels + 1) * side * side + 4 * side * side
        let cacheable = (2 << 30) / Swift.max(bytesPerExample, 1)
        let trainingCache = Swift.min(record.split.training.count, cacheable)
        let validationCache = Swift.min(record.split.validation.count, Swift.max(0, cacheable - trainingCache))
        let training = try ModalityExampleSource(modality: modality, root: dataRoot, samples: samples, ids: record.split.training, inputSize: side,
                                                 normalization: normalization, cacheCapacity: trainingCache)
        let validation = record.split.validation.isEmpty ? nil
            : try ModalityExampleSource(modality: modality, root: dataRoot, samples: samples, ids: record.split.validation, inputSize: side,
                                        normalization: normalization, cacheCapacity: validationCache)

        let writes = communicator.isRoot
        if writes { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let trainer = try Trainer(model: model, configuration: configuration, runFolder: folder)
        trainer.communicator = communicator
        trainer.overlapsGradientSums = overlapsGradientSums
        if let overlapBucketElements { trainer.overlapBucketElements = overlapBucketElements }
        trainer.log = log
        if let embeddingCacheBytes { trainer.embeddingCacheBytes = embeddingCacheBytes }
        var resumedFrom: Int?
        if resuming {
            // A run interrupted before its first checkpoint starts over from epoch 0 with its recorded settings.
            if try trainer.resume() { resumedFrom = trainer.epoch } else { log("no checkpoint yet in \(folder.path); starting at epoch 0") }
            // A process killed between a checkpoint and its readable .json left the .json behind: rewrite it.
            for url in [trainer.lastCheckpoint, trainer.bestCheckpoint].compactMap({ $0 }) where try writes && TrainingCheckpoint.repairReadableCopy(of: url) {
                log("rewrote \(url.deletingPathExtension().lastPathComponent).json from its checkpoint")
            }
        }
        if writes {
            // config.json before the record: a run killed between the two is not yet a run (the same command starts
            // it again); a recorded run always has what --resume needs.
            try trainer.prepareRunFolder()
            try record.write(to: folder)
            // Hashes of the run's files: the external ones (weights, plugin) once, the run's own after each checkpoint.
            let external = try (resuming ? RunHashes.read(from: folder)?.external : nil)
            var hashes = try RunHashes.current(of: folder, record: record, external: external)
            try hashes.write(to: folder)
            let recordedExternal = hashes.external
            trainer.checkpointSaved = { [folder, record] _ in
                hashes = try RunHashes.current(of: folder, record: record, external: recordedExternal)
                try hashes.write(to: folder)
            }
        }
        let trainable = model.trainableParameters.reduce(0) { $0 + $1.value.count }
        log("\(built.description); \(trainable) trainable values; "
            + (configuration.productPrecision == .bf16 ? "products in bf16 (fp32 accumulation, weights and optimizer state); " : "")
            + "\(training.count) training / \(validation?.count ?? 0) validation samples of \(modality.identifier) at \(model.inputSize)x\(model.inputSize)"
            + (communicator.size > 1 ? "; data-parallel on \(communicator.size) ranks, each batch of \(configuration.batchSize) split over them" : ""))
        let selection = ModelSelection.of(record)
        log("model selection: \(selection.split.rawValue) (\(selection.note))")
        let total = configuration.epochs
        trainer.progress = { progress($0, total) }
        let summaries = try trainer.run(training: training, validation: validation)

        let best = trainer.bestCheckpoint.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0.path : nil }
        return TrainingRunSummary(run: folder.path, modality: modality.identifier, channels: record.channels, model: built.description,
                                  alignment: record.alignment, strategy: record.strategy, inputSize: model.inputSize, trainableValues: trainable,
                                  trainingSamples: training.count, validationSamples: validation?.count ?? 0, normalization: record.normalization,
                                  precision: configuration.productPrecision.rawValue, resumedFromEpoch: resumedFrom, epochsCompleted: trainer.epoch, epochLosses: summaries.map(\.meanLoss),
                                  lastValidationMIoU: trainer.finalValidation?.mIoU ?? summaries.last(where: { $0.validation != nil })?.validation?.mIoU,
                                  bestValidationMIoU: trainer.bestMIoU, bestEpoch: trainer.bestEpoch, modelSelection: selection,
                                  lastCheckpoint: trainer.lastCheckpoint!.path, bestCheckpoint: best, seconds: Date().timeIntervalSince(start))
    }
}
