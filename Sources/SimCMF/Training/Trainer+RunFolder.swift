import Foundation
import TensorFiles

/// The run folder's plain files: `config.json` and `metrics.jsonl` (checkpoints: `TrainingCheckpoint`), written
/// by rank 0 only.
extension Trainer {
    /// Creates `checkpoints/` and writes `config.json` (training configuration, model input, trainable tensors).
    func prepareRunFolder() throws {
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
        try AtomicFile.write(try enc.encode(config), to: runFolder.appendingPathComponent("config.json"))
    }

    /// Removes the `metrics.jsonl` lines of epochs `>= epoch` (written by an interrupted attempt
    /// after the checkpoint it resumes from), so that a resumed run's file equals a straight run's.
    func dropMetrics(from epoch: Int) throws {
        guard communicator.isRoot, let url = runFolder?.appendingPathComponent("metrics.jsonl"), FileManager.default.fileExists(atPath: url.path) else { return }
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
        let kept = lines.filter { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let e = o["epoch"] as? Int else { return true }
            return e < epoch
        }
        if kept.count != lines.count { try AtomicFile.write(Data(kept.map { $0 + "\n" }.joined().utf8), to: url) }
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
