import Foundation
import Modalities
import SimCMF
import TensorCore
import TensorFiles
import TensorKernels
import TestRequirements
import XCTest
@testable import AIMS

/// `TrainingRun` and `EvaluationRun` as a library user calls them (no CLI): a run created from a manifest, trained,
/// interrupted and resumed, then scored from its checkpoint. Zero-shot channels with the decoder strategy keep it
/// cheap: nothing before the encoder trains, so each image is encoded once.
final class TrainingRunTests: XCTestCase {
    var dirs: [URL] = []
    override func tearDown() { for d in dirs { try? FileManager.default.removeItem(at: d) } }

    func temp(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aims-\(name)-\(UUID().uuidString)")
        dirs.append(url)
        return url
    }

    /// Six synthetic zju-rgbp scenes (four train, two val) and their manifest with one validation sample carved from train.
    func manifest() throws -> URL {
        let root = temp("run-data")
        var synth = SynthOptions()
        (synth.width, synth.height) = (64, 48)
        synth.valFraction = 0.34
        synth.conventions = [.zju]
        _ = try SynthDatasetWriter(seed: 5, options: synth).write(scenes: 6, to: root)
        let url = root.appendingPathComponent("aims/zju-rgbp.json")
        var builder = ManifestBuilder(layout: try DatasetLayouts.layout("zju-rgbp"), modality: try DatasetSelection.modality("zju-rgbp", plugin: nil),
                                      root: root.appendingPathComponent("zju-rgbp"), manifest: url)
        builder.validationFraction = 0.25
        try builder.build().write(to: url)
        return url
    }

    func options(_ weights: URL, manifest: URL) -> TrainingRun.NewRunOptions {
        var o = TrainingRun.NewRunOptions(weights: weights)
        o.manifest = manifest.path
        o.alignment = "zeroshot"
        o.strategy = "decoder"
        o.normalize = "range"
        o.seed = 3
        return o
    }

    var configuration: TrainingConfiguration {
        var c = TrainingConfiguration()
        c.batchSize = 2
        c.learningRate = 1e-3
        c.validationInterval = 1
        c.validatesAfterLastEpoch = true
        return c
    }

    func train(_ run: TrainingRun, epochs: Int) throws -> TrainingRunSummary {
        try run.train(configuration: configuration, epochs: epochs, embeddingCacheBytes: nil, start: Date(), log: { _ in }, progress: { _, _ in })
    }

    func testResumedRunEqualsUninterruptedRunAndItsCheckpointScoresAsValidated() throws {
        let weights = try Provided.liteMedSAMCheckpoint()
        let manifest = try manifest()

        // Straight: two epochs.
        let straightFolder = temp("run-straight")
        let straight = try train(try TrainingRun.create(in: straightFolder, options: options(weights, manifest: manifest)), epochs: 2)
        XCTAssertEqual(straight.epochsCompleted, 2)
        XCTAssertEqual(straight.epochLosses.count, 2)
        XCTAssertEqual(straight.trainingSamples + straight.validationSamples, 4, "the manifest's train split, val carved from it")
        XCTAssertEqual(straight.validationSamples, 1)

        // Interrupted after one epoch, resumed from the folder alone (record, config.json, last checkpoint) to two.
        let folder = temp("run-resumed")
        let first = try train(try TrainingRun.create(in: folder, options: options(weights, manifest: manifest)), epochs: 1)
        XCTAssertEqual(first.epochsCompleted, 1)
        XCTAssertThrowsError(try TrainingRun.create(in: folder, options: options(weights, manifest: manifest))) {
            XCTAssertEqual($0 as? TrainingRunError, .runExists(folder: folder.path))
        }
        let resumedRun = try TrainingRun.resume(folder, modality: nil, plugin: nil, data: nil)
        XCTAssertEqual(resumedRun.record, try RunRecord.read(from: straightFolder), "same options, same record")
        let resumed = try train(resumedRun, epochs: 2)
        XCTAssertEqual(resumed.resumedFromEpoch, 1)
        XCTAssertEqual(resumed.epochsCompleted, 2)
        XCTAssertEqual(first.epochLosses + resumed.epochLosses, straight.epochLosses)
        let a = try Safetensors.read(straightFolder.appendingPathComponent("checkpoints/last.safetensors"))
        let b = try Safetensors.read(folder.appendingPathComponent("checkpoints/last.safetensors"))
        XCTAssertEqual(a.names.sorted(), b.names.sorted())
        for name in a.names { XCTAssertEqual(a[name]?.scalars, b[name]?.scalars, name) }

        // Scoring the last checkpoint on the run's validation split, through a freshly built model and the recorded
        // normalisation, gives the trainer's own validation after the last epoch.
        let evaluation = try EvaluationRun.fromRun(folder, checkpoint: "last", manifest: nil, modality: nil, plugin: nil, data: nil, split: nil)
        XCTAssertEqual(evaluation.splitName, "val")
        let csv = temp("run-eval").appendingPathExtension("csv")
        let scored = try evaluation.score(prompt: .click, overlays: nil, csv: csv)
        XCTAssertEqual(scored.images, 1)
        XCTAssertEqual(scored.mIoU, try XCTUnwrap(resumed.lastValidationMIoU), accuracy: 1e-6)
        let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count - 1, scored.regions)

        // Another modality with a different channel count cannot resume or score the run.
        XCTAssertThrowsError(try TrainingRun.resume(folder, modality: "rgb", plugin: nil, data: nil)) { e in
            guard case .channelMismatch(_, 3, _, 9)? = e as? TrainingRunError else { return XCTFail("\(e)") }
        }
    }
}
