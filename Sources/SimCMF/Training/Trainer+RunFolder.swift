import Foundation
import TensorFiles

/// The run folder's plain files: `config.json` and `metrics.jsonl` (checkpoints: `TrainingCheckpoint`), written
/// by rank 0 only.
extension Trainer {
    /// Creates `checkpoints/` and writes `config.json` (training configuration, model input, trainable tensors),
    /// which a resume needs. `run` calls it; a caller that records the run elsewhere (`aims train`'s run record)
    /// calls it first, so that no killed attempt leaves a recorded run without its configuration.
    public func prepareRunFolder() throws {
        guard communicator.isRoot, let runFolder, let ck = checkpointFolder else { return }
        try FileManager.default.createDirectory(at: ck, withIntermediateDirectories: true)
        struct RunConfig: Codable {
            var training: TrainingConfiguration
            var inputChannels: Int, inputSize: Int, maskSize: Int
            var trainableParameters: [String]
            var trainableValues: Int
        }
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        let trainable = model.trainableParameters
        let config = RunConfig(training: configuration, inputChannels: model.inputChannels, inputSize: model.inputSize, maskSize: model.maskSize,
                               trainableParameters: trainable.map(\.name), trainableValues: trainable.reduce(0) { $0 + $1.value.count })
        try AtomicFile.write(try enc.encode(config), to: runFolder.appendingPathComponent("config.json"), durable: true)
        // A run that starts over at epoch 0 (killed before its first checkpoint) drops what the killed attempt
        // logged; a resumed one has already dropped the epochs after its checkpoint (`resume(from:)`).
        try dropMetrics(from: epoch)
    }

    /// Removes the `metrics.jsonl` lines of epochs `>= epoch` (written by an interrupted attempt
    /// after the checkpoint it resumes from), so that a resumed run's file equals a straight run's. A line
    /// that is not a JSON object with an epoch can only be the torn end of an append the kill interrupted:
    /// it goes too.
    func dropMetrics(from epoch: Int) throws {
        guard communicator.isRoot, let url = runFolder?.appendingPathComponent("metrics.jsonl"), FileManager.default.fileExists(atPath: url.path) else { return }
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let kept = lines.filter { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let e = o["epoch"] as? Int else { return false }
            return e < epoch
        }
        if kept.count != lines.count || !(text.isEmpty || text.hasSuffix("\n")) {
            try AtomicFile.write(Data(kept.map { $0 + "\n" }.joined().utf8), to: url, durable: true)
        }
    }

    /// Appends one JSON object line to `metrics.jsonl` (keys sorted).
    func appendMetrics(_ fields: [String: Any]) throws {
        guard communicator.isRoot, let runFolder else { return }
        let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) + Data("\n".utf8)
        let url = runFolder.appendingPathComponent("metrics.jsonl")
        if !FileManager.default.fileExists(atPath: url.path) { try AtomicFile.write(Data(), to: url) }
        let h = try FileHandle(forWritingTo: url)
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: data)
    }
}
