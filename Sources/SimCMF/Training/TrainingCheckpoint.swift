import Autodiff
import Foundation
import TensorCore
import TensorFiles

/// What a checkpoint restores besides the tensors.
public struct TrainingState: Sendable, Equatable, Codable {
    /// Epochs completed (the next epoch to run).
    public var epoch: Int
    /// The generator as it was after those epochs.
    public var generator: SeededGenerator
    /// Best validation mIoU so far and the epoch it was measured before.
    public var bestMIoU: Double?
    public var bestEpoch: Int?
    public var configuration: TrainingConfiguration
}

/// A checkpoint: `<name>.safetensors` with the trainable tensors (`model.<state-dict key>`), the
/// training buffers (`buffer.<key>`, e.g. BatchNorm running statistics), the Adam state (`optimizer.<key>.exp_avg|exp_avg_sq|step`) and the `TrainingState` as JSON metadata
/// (`aims.training_state`); `<name>.json` beside it holds the same state for people. Both files are
/// written atomically (`AtomicFile`: temporary name, fsync, rename, folder fsync), the `.json` first.
public enum TrainingCheckpoint {
    static let stateKey = "aims.training_state"

    public static func save(to url: URL, model: any SegmentationModel, optimizer: Adam, state: TrainingState) throws {
        var tensors = model.trainableParameters.map { NamedTensor(name: "model." + $0.name, storedDType: .float32, tensor: $0.value) }
        tensors += model.trainingBuffers.map { NamedTensor(name: "buffer." + $0.name, storedDType: .float32, tensor: $0.value) }
        for (k, v) in optimizer.stateDict() { tensors.append(NamedTensor(name: "optimizer." + k, storedDType: .float32, tensor: v)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(state)
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        // The readable copy first: a kill between the two writes leaves it ahead of the checkpoint, which a
        // resume then writes again (both together), never a checkpoint with a stale copy beside it.
        try AtomicFile.write(try encoder.encode(state), to: url.deletingPathExtension().appendingPathExtension("json"))
        try Safetensors.write(tensors, metadata: [stateKey: String(decoding: json, as: UTF8.self)], to: url)
    }

    /// Reads `url`, assigns the trainable tensors of `model` and the optimiser state; returns the state.
    /// `accept` may refuse the recorded state before anything is assigned. Every trainable parameter
    /// must be present with its shape. Frozen tensors are not in a checkpoint: they come from the
    /// model as built (e.g. the pretrained SAM).
    public static func load(from url: URL, into model: any SegmentationModel, optimizer: Adam,
                            accept: (TrainingState) throws -> Void = { _ in }) throws -> TrainingState {
        let file = url.lastPathComponent
        let archive = try Safetensors.read(url)
        guard let text = archive.metadata[stateKey],
              let state = try? JSONDecoder().decode(TrainingState.self, from: Data(text.utf8)) else {
            throw TrainingError.checkpoint(file: file, field: stateKey, problem: "missing or not a training state")
        }
        try accept(state)
        var byName: [String: Tensor] = [:]
        for t in archive.tensors { byName[t.name] = t.tensor }
        var missing: [String] = []
        let expected = model.trainableParameters.map { ("model." + $0.name, $0) } + model.trainingBuffers.map { ("buffer." + $0.name, $0) }
        for (key, p) in expected {
            guard let t = byName[key] else { missing.append(key); continue }
            guard t.shape == p.value.shape else {
                throw TrainingError.checkpoint(file: file, field: key, problem: "shape \(t.shape), model has \(p.value.shape)")
            }
        }
        guard missing.isEmpty else {
            throw TrainingError.checkpoint(file: file, field: "model", problem: "missing tensors \(missing.prefix(8).joined(separator: ", "))\(missing.count > 8 ? " (+\(missing.count - 8))" : "")")
        }
        for (key, p) in expected { p.value = byName[key]! }
        var opt: [String: Tensor] = [:]
        for (k, v) in byName where k.hasPrefix("optimizer.") { opt[String(k.dropFirst("optimizer.".count))] = v }
        do { try optimizer.loadState(opt) } catch {
            throw TrainingError.checkpoint(file: file, field: "optimizer", problem: "\(error)")
        }
        return state
    }
}
