import Foundation
import TensorCore
import TensorFiles
import TestComparisons
import XCTest
@testable import SimCMF

/// The trainer on a tiny SAM (64 × 64 input, 32 × 32 masks) and a synthetic task: a bright square
/// on a dark image, the square being region 1.
final class TrainerTests: XCTestCase {
    static let tiny = SAMConfiguration(encoderEmbedDim: 48, encoderDepth: 2, encoderHeads: 3, globalAttentionIndexes: [1],
                                       windowSize: 3, imageSize: 64, patchSize: 8, mlpRatio: 2, promptEmbedDim: 32,
                                       maskInChannels: 16, decoderDepth: 1, decoderHeads: 4, decoderMLPDim: 32,
                                       attentionDownsampleRate: 2, multimaskOutputs: 3, iouHeadDepth: 3, iouHeadHiddenDim: 32)

    /// A tiny SAM with the reference's freezing: the prompt encoder is always frozen.
    func model(seed: UInt64 = 1) throws -> SAMModel {
        let m = try SAMModel(configuration: Self.tiny, seed: seed)
        for p in m.promptEncoder.parameters { p.trainable = false }
        return m
    }

    /// `n` images `[3, 64, 64]`: +1 inside a square (region 1), −1 outside; one image in five has no region.
    func squares(_ n: Int, withBlank: Bool = false) -> InMemoryExampleSource {
        var g = SeededGenerator(seed: 99)
        return InMemoryExampleSource((0..<n).map { k in
            let side = 14 + ClickSampling.uniformIndex(12, using: &g)
            let x0 = ClickSampling.uniformIndex(64 - side, using: &g), y0 = ClickSampling.uniformIndex(64 - side, using: &g)
            let blank = withBlank && k == n - 1
            var ids = [Int32](repeating: 0, count: 64 * 64)
            if !blank { for y in y0..<(y0 + side) { for x in x0..<(x0 + side) { ids[y * 64 + x] = 1 } } }
            let plane = ids.map { $0 == 1 ? Float(1) : -1 }
            return TrainingExample(id: "sq\(k)", image: Tensor(shape: [3, 64, 64], values: plane + plane + plane),
                                   label: LabelMap(height: 64, width: 64, ids: ids))
        })
    }

    func configuration(epochs: Int, batch: Int = 4, micro: Int? = nil) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.epochs = epochs; c.batchSize = batch; c.microBatchSize = micro
        c.learningRate = 1e-3; c.validationInterval = 2; c.seed = 5
        return c
    }

    func tmp() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("aims-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: u) }
        return u
    }

    func values(_ m: SAMModel) -> [String: [Float]] { Dictionary(uniqueKeysWithValues: m.parameters.map { ($0.name, $0.value.scalars) }) }

    func testLossDecreasesOnASquare() throws {
        let m = try model()
        var c = configuration(epochs: 8, batch: 2)
        c.learningRate = 2e-3
        let trainer = try Trainer(model: m, configuration: c)
        let s = try trainer.run(training: squares(4))
        let first = s[0].meanLoss, last = s.last!.meanLoss
        XCTAssert(last < 0.8 * first, "loss \(s.map(\.meanLoss))")
    }

    func testGradientAccumulationEqualsTheFullBatch() throws {
        let data = squares(4)
        let a = try model(), b = try model()
        var ca = configuration(epochs: 1), cb = configuration(epochs: 1, micro: 2)
        ca.referenceOrder = true; cb.referenceOrder = true
        let ta = try Trainer(model: a, configuration: ca), tb = try Trainer(model: b, configuration: cb)
        let la = try ta.accumulateGradients([0, 1, 2, 3], source: data)
        let lb = try tb.accumulateGradients([0, 1, 2, 3], source: data)
        XCTAssertEqual(la, lb, accuracy: 1e-5 * abs(la))
        XCTAssertEqual(ta.generator, tb.generator, "the same draws in the same order")
        var compared = 0
        for (p, q) in zip(a.parameters, b.parameters) {
            XCTAssertEqual(p.grad == nil, q.grad == nil, p.name)
            guard let g = p.grad, let h = q.grad else { continue }
            assertClose(h, g, within: .toScale(1e-4, floor: 1e-6), p.name)
            compared += 1
        }
        // Single-mask output leaves the IoU head and the other mask tokens' hypernetworks without gradient.
        let idle = a.trainableParameters.filter { $0.grad == nil }.map(\.name)
        XCTAssertEqual(compared + idle.count, a.trainableParameters.count)
        XCTAssertGreaterThan(compared, 100)
        XCTAssert(idle.allSatisfy { $0.hasPrefix("mask_decoder.iou_prediction_head.") || $0.hasPrefix("mask_decoder.output_hypernetworks_mlps.")
                                    || $0 == "mask_decoder.iou_token.weight" }, "\(idle)")
        XCTAssert(a.promptEncoder.parameters.allSatisfy { $0.grad == nil }, "frozen parameters get no gradient")
    }

    func testSeededRunsAreReproducibleAndSeedsMatter() throws {
        let data = squares(6)
        let a = try model(), b = try model(), c = try model()
        _ = try Trainer(model: a, configuration: configuration(epochs: 2, batch: 3)).run(training: data)
        _ = try Trainer(model: b, configuration: configuration(epochs: 2, batch: 3)).run(training: data)
        var other = configuration(epochs: 2, batch: 3); other.seed = 6
        _ = try Trainer(model: c, configuration: other).run(training: data)
        XCTAssertEqual(values(a), values(b))
        XCTAssertNotEqual(values(a), values(c))
    }

    /// Records the order in which examples are read.
    final class RecordingSource: ExampleSource {
        let base: InMemoryExampleSource
        var reads: [Int] = []
        init(_ base: InMemoryExampleSource) { self.base = base }
        var count: Int { base.count }
        func example(at index: Int) throws -> TrainingExample { reads.append(index); return try base.example(at: index) }
    }

    func testReferenceOrderKeepsTheSourceOrderAndShufflingDoesNot() throws {
        var c = configuration(epochs: 2, batch: 2)
        c.referenceOrder = true
        let fixed = RecordingSource(squares(4))
        try Trainer(model: try model(), configuration: c).run(training: fixed)
        XCTAssertEqual(fixed.reads, [0, 1, 2, 3] + [0, 1, 2, 3] + [0, 1, 2, 3], "scan, then the source order every epoch")
        let shuffled = RecordingSource(squares(4))
        try Trainer(model: try model(), configuration: configuration(epochs: 2, batch: 2)).run(training: shuffled)
        let epochs = [Array(shuffled.reads[4..<8]), Array(shuffled.reads[8..<12])]
        XCTAssertEqual(epochs.map { $0.sorted() }, [[0, 1, 2, 3], [0, 1, 2, 3]], "each epoch is a permutation")
        XCTAssertNotEqual(epochs[0], epochs[1], "a new order every epoch")
        let t = try Trainer(model: try model(), configuration: configuration(epochs: 1))
        // Sampled objects: only candidate regions (never background), each reachable.
        let label = LabelMap(height: 2, width: 4, ids: [0, 1, 1, 2, 0, 3, 3, 3])
        let e = TrainingExample(id: "x", image: Tensor(shape: [3, 2, 4]), label: label)
        var seen = Set<Int32>()
        for _ in 0..<300 { let o = t.sampleObject(e)!; seen.insert(o.region); XCTAssertEqual(label[Int(o.click.y), Int(o.click.x)], o.region) }
        XCTAssertEqual(seen, [1, 2, 3])
    }

    func testFrozenParametersNeverChange() throws {
        let m = try model()
        for p in m.imageEncoder.parameters { p.trainable = false }
        let before = values(m)
        _ = try Trainer(model: m, configuration: configuration(epochs: 2, batch: 2)).run(training: squares(4))
        let after = values(m)
        for p in m.parameters {
            if p.trainable { continue }
            XCTAssertEqual(before[p.name], after[p.name], "frozen \(p.name) changed")
        }
        XCTAssert(m.maskDecoder.parameters.contains { before[$0.name] != after[$0.name] }, "the trainable decoder moved")
    }

    func testResumeIsBitIdentical() throws {
        let data = squares(5, withBlank: true), val = squares(3)
        // Straight: 4 epochs.
        let straight = try model()
        let dirA = try tmp()
        let ta = try Trainer(model: straight, configuration: configuration(epochs: 4, batch: 2), runFolder: dirA)
        var skippedNotes: [String] = []
        ta.log = { skippedNotes.append($0) }
        try ta.run(training: data, validation: val)
        XCTAssert(skippedNotes.contains { $0.contains("skipping 1 of 5") }, "\(skippedNotes)")
        // Interrupted: 2 epochs, then a fresh process (new model object, new trainer) resumes to 4.
        let dirB = try tmp()
        try Trainer(model: try model(), configuration: configuration(epochs: 2, batch: 2), runFolder: dirB).run(training: data, validation: val)
        // An interrupted attempt had logged part of epoch 2 after the checkpoint: resume drops it.
        let metricsB = dirB.appendingPathComponent("metrics.jsonl")
        try (String(contentsOf: metricsB, encoding: .utf8) + "{\"epoch\":2,\"kind\":\"validation\",\"mIoU\":0.5}\n")
            .write(to: metricsB, atomically: true, encoding: .utf8)
        let resumed = try model()
        let tb = try Trainer(model: resumed, configuration: configuration(epochs: 4, batch: 2), runFolder: dirB)
        XCTAssertTrue(try tb.resume())
        XCTAssertEqual(tb.epoch, 2)
        let rest = try tb.run(training: data, validation: val)
        XCTAssertEqual(rest.map(\.epoch), [2, 3])
        XCTAssertEqual(values(straight), values(resumed), "parameters bit-identical")
        XCTAssertEqual(ta.generator, tb.generator)
        XCTAssertEqual(ta.optimizer.stateDict().mapValues(\.scalars), tb.optimizer.stateDict().mapValues(\.scalars))
        // The run folder.
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dirA.appendingPathComponent("checkpoints").path))
        XCTAssertEqual(files, ["last.safetensors", "last.json", "best.safetensors", "best.json"])
        XCTAssert(FileManager.default.fileExists(atPath: dirA.appendingPathComponent("config.json").path))
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dirA.appendingPathComponent("validation").path)),
                       ["epoch-0.csv", "epoch-2.csv", "epoch-3.csv"])
        let lines = try String(contentsOf: dirA.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let kinds = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .map { "\($0["kind"]!)\($0["epoch"]!)" }
        XCTAssertEqual(kinds, ["validation0", "train0", "train1", "validation2", "train2", "validation3", "train3"])
        // The resumed folder's metrics: the interrupted run's last-epoch validation (epoch 1 was its last) and then the rest.
        let linesB = try String(contentsOf: dirB.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let kindsB = try linesB.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }.map { "\($0["kind"]!)\($0["epoch"]!)" }
        XCTAssertEqual(kindsB, ["validation0", "train0", "validation1", "train1", "validation2", "train2", "validation3", "train3"])
        // A checkpoint only holds trainable tensors, and loading checks them.
        let archive = try Safetensors.read(dirA.appendingPathComponent("checkpoints/last.safetensors"))
        XCTAssertFalse(archive.names.contains { $0.hasPrefix("model.prompt_encoder.") })
        XCTAssertEqual(archive.names.filter { $0.hasPrefix("model.") }.count, straight.trainableParameters.count)
        // A different configuration refuses to resume.
        var changed = configuration(epochs: 4, batch: 2); changed.learningRate = 5e-4
        let untouched = try model()
        XCTAssertThrowsError(try Trainer(model: untouched, configuration: changed, runFolder: dirB).resume()) {
            XCTAssert(($0 as? TrainingError)?.errorDescription?.contains("configuration") == true, "\($0)")
        }
        XCTAssertEqual(values(untouched), values(try model()), "a refused checkpoint assigns nothing")
    }

    func testProgressAndConfigurationErrors() throws {
        var reports: [TrainingProgress] = []
        let t = try Trainer(model: try model(), configuration: configuration(epochs: 2, batch: 3))
        t.progress = { reports.append($0) }
        try t.run(training: squares(4))
        XCTAssertEqual(reports.map { "\($0.epoch).\($0.step)/\($0.stepsPerEpoch)" }, ["0.1/2", "0.2/2", "1.1/2", "1.2/2"])
        XCTAssertEqual(reports.last!.etaSeconds, 0)
        XCTAssert(reports.allSatisfy { $0.loss.isFinite && $0.imagesPerSecond > 0 })
        XCTAssertThrowsError(try Trainer(model: try model(), configuration: configuration(epochs: 1, batch: 4, micro: 3))) {
            XCTAssert(($0 as? TrainingError)?.errorDescription?.contains("microBatchSize") == true)
        }
        // An image whose channel count is not the model's.
        let bad = InMemoryExampleSource([TrainingExample(id: "nine", image: Tensor(shape: [9, 64, 64]), label: squares(1).examples[0].label)])
        XCTAssertThrowsError(try Trainer(model: try model(), configuration: configuration(epochs: 1)).run(training: bad)) {
            XCTAssertEqual(($0 as? TrainingError), .exampleShape(index: 0, field: "image", expected: "[3, 64, 64] (the model's input channels and size)", got: [9, 64, 64]))
        }
        // A model with nothing to train.
        let frozen = try model(); for p in frozen.parameters { p.trainable = false }
        XCTAssertThrowsError(try Trainer(model: frozen, configuration: configuration(epochs: 1)))
    }
}
