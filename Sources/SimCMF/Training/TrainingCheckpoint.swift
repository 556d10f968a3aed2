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
/// written atomically (`AtomicFile`: temporary name, fsync, rename, folder fsync), the `.safetensors` first: when
/// it cannot be written (a full disk) both files stay as they were, and a kill (or failure) between the two leaves
/// a stale `.json`, which `repairReadableCopy` (called on resume) writes again.
public enum TrainingCheckpoint {
    static let stateKey = "aims.training_state"

    public static func save(to url: URL, model: any SegmentationModel, optimizer: Adam, state: TrainingState) throws {
        var tensors = model.trainableParameters.map { NamedTensor(name: "model." + $0.name, storedDType: .float32, tensor: $0.value) }
        tensors += model.trainingBuffers.map { NamedTensor(name: "buffer." + $0.name, storedDType: .float32, tensor: $0.value) }
        for (k, v) in optimizer.stateDict() { tensors.append(NamedTensor(name: "optimizer." + k, storedDType: .float32, tensor: v)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(state)
        try Safetensors.write(tensors, metadata: [stateKey: String(decoding: json, as: UTF8.self)], to: url, durable: true)
        try AtomicFile.write(try readable(state), to: readableCopy(of: url), durable: true)
    }

    /// `<name>.json` beside `<name>.safetensors`.
    static func readableCopy(of url: URL) -> URL { url.deletingPathExtension().appendingPathExtension("json") }

    /// The readable copy's bytes: the state, keys sorted, pretty-printed.
    static func readable(_ state: TrainingState) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(state)
    }

    /// Rewrites `<name>.json` from the state recorded in the checkpoint at `url` when it differs (a process killed
    /// between writing the two files left it behind); nothing when there is no checkpoint. Returns whether it wrote.
    /// Reads only the checkpoint's header.
    @discardableResult
    public static func repairReadableCopy(of url: URL) throws -> Bool {
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        guard let text = try Safetensors.metadata(url)[stateKey],
              let state = try? JSONDecoder().decode(TrainingState.self, from: Data(text.utf8)) else {
            throw TrainingError.checkpoint(file: url.lastPathComponent, field: stateKey, problem: "missing or not a training state")
        }
        let bytes = try readable(state)
        let copy = readableCopy(of: url)
        if (try? Data(contentsOf: copy)) == bytes { return false }
        try AtomicFile.write(bytes, to: copy, durable: true)
        return true
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
