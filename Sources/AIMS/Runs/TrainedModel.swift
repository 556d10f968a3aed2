import Autodiff
import Foundation
import SimCMF
import TensorCore

/// A run folder's model as it was trained (`aims eval --run`, `aims predict --run`): rebuilt from the run
/// record (weights, channels, alignment, strategy, input size, seed), its checkpoint's tensors loaded, in
/// evaluation mode; the files it comes from checked against `hashes.json` first.
public struct TrainedModel {
    public var folder: URL
    public var record: RunRecord
    public var model: any SegmentationModel
    /// One line for the log, e.g. "LiteMedSAM + zero-shot channels 0,1,2 of 4 (decoder) at 256", with ", trained
    /// with bf16 products" for a run trained so.
    public var description: String
    /// The precision of the products the checkpoint was trained with (its recorded configuration's).
    public var trainingPrecision: Precision
    /// The checkpoint loaded.
    public var checkpoint: URL
    /// Notes for the log, e.g. that the run has no `hashes.json` to check.
    public var warnings: [String]

    /// - Parameters:
    ///   - name: `best` or `last`; nil: `best` when present, else `last`.
    ///   - record: the folder's record when the caller has read it already.
    ///   - plugin: whether the record's plugin is used (and so checked); false when another modality is given.
    /// - Throws: `TrainingRunError` (`missingRecord`, `noCheckpoint`, `changedFile`, ...), the model's errors.
    public static func load(_ folder: URL, checkpoint name: String?, record: RunRecord? = nil, plugin: Bool = true) throws -> TrainedModel {
        let record = try record ?? RunRecord.read(from: folder)
        let ck = folder.appendingPathComponent("checkpoints", isDirectory: true)
        let url: URL
        if let name {
            url = ck.appendingPathComponent(name + ".safetensors")
        } else {
            let best = ck.appendingPathComponent("best.safetensors")
            url = FileManager.default.fileExists(atPath: best.path) ? best : ck.appendingPathComponent("last.safetensors")
        }
        guard FileManager.default.fileExists(atPath: url.path) else { throw TrainingRunError.noCheckpoint(folder: folder.path) }
        var warnings: [String] = []
        if let hashes = try RunHashes.read(from: folder) {
            try hashes.verify(runFiles: [RunRecord.fileName, "checkpoints/" + url.lastPathComponent],
                              external: [record.weights] + (plugin ? record.plugin.map { [$0] } ?? [] : []), in: folder)
        } else {
            warnings.append("\(folder.path) has no \(RunHashes.fileName) (a run written before aims recorded hashes): "
                            + "its checkpoint, record and weights are not checked for changes")
        }
        let built = try ModelFactory.build(weights: URL(fileURLWithPath: record.weights), channels: record.channels,
                                           alignment: AlignmentKind(rawValue: record.alignment)!, strategy: record.strategy,
                                           imageSize: record.imageSize, initialization: record.initializationKind, seed: record.seed)
        let model = built.model
        let state = try TrainingCheckpoint.load(from: url, into: model, optimizer: Adam(model.trainableParameters, learningRate: 0))
        model.setTraining(false)
        let precision = state.configuration.productPrecision
        return TrainedModel(folder: folder, record: record, model: model,
                            description: built.description + (precision == .fp32 ? "" : ", trained with \(precision.rawValue) products"),
                            trainingPrecision: precision, checkpoint: url, warnings: warnings)
    }
}
