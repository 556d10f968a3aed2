import Foundation
import XCTest

/// `aims benchmark` end to end on a tiny setting (one modality, 6 scenes, 1 epoch, the noise control, no
/// ablations): the table's numbers are its steps' per-region CSVs, the control's noise replaced exactly the non-RGB
/// files, and a second invocation continues the first instead of training again.
final class BenchmarkCommandTests: XCTestCase {
    struct Results: Decodable {
        struct Test: Decodable { var mIoU: Double; var regions: Int }
        struct Method: Decodable { var name: String; var test: Test; var trainingSeconds: Double? }
        struct Modality: Decodable { var id: String; var cue: String; var methods: [Method]; var simcmfBeatsBaselines: Bool; var verdict: String }
        struct Mean: Decodable { var method: String; var mIoU: Double }
        struct Control: Decodable { var modality: String; var files: Int; var real: [Method]; var noise: [Method]; var realGain: Double; var noiseGain: Double }
        var modalities: [Modality]
        var means: [Mean]
        var control: Control?
        var report: String
        var paperSimCMFMean: Double
    }

    func meanIoU(_ csv: URL) throws -> (mean: Double, regions: Int) {
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        let column = try XCTUnwrap(lines[0].split(separator: ",").map(String.init).firstIndex(of: "iou"))
        let values = lines.dropFirst().map { Double($0.split(separator: ",")[column])! }
        return (values.reduce(0, +) / Double(values.count), values.count)
    }

    func testTinyBenchmarkReportsItsStepsAndContinuesWhereItStopped() throws {
        _ = try TestWeights.liteMedSAM
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("aims-benchmark-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let arguments = ["benchmark", "--out", out.path, "--modalities", "nir-ivrg", "--scenes", "6", "--epochs", "1",
                         "--control", "rgbnir", "--ablation", "none", "--quick", "--json"]
        let first = try AimsProcess.run(arguments)
        XCTAssertEqual(first.status, 0, first.stderr)
        let results = try JSONDecoder().decode(Results.self, from: Data(first.stdout.utf8))
        XCTAssertEqual(results.modalities.map(\.id), ["nir-ivrg"])
        XCTAssertEqual(results.modalities[0].cue, "nir")
        let methods = results.modalities[0].methods
        XCTAssertEqual(methods.map(\.name), ["zero-shot", "from scratch", "SimCMF + LoRA"])
        let slugs = ["zero-shot": "zero-shot", "from scratch": "from-scratch", "SimCMF + LoRA": "simcmf-lora"]
        for m in methods {
            let truth = try meanIoU(out.appendingPathComponent("eval/nir-ivrg/\(slugs[m.name]!)/regions.csv"))
            XCTAssertEqual(m.test.mIoU, truth.mean, accuracy: 1e-9, m.name)
            XCTAssertEqual(m.test.regions, truth.regions, m.name)
        }
        // One modality: its mean is its row; the verdict follows from the numbers.
        XCTAssertEqual(results.means.map(\.mIoU), methods.map(\.test.mIoU))
        let s = methods[2].test.mIoU
        XCTAssertEqual(results.modalities[0].simcmfBeatsBaselines, s > methods[0].test.mIoU && s > methods[1].test.mIoU)
        XCTAssertEqual(results.paperSimCMFMean, 53.88)

        // The control: every NIR file of the copy differs from the rendered one, every RGB file and mask is the same.
        let control = try XCTUnwrap(results.control)
        XCTAssertEqual(control.modality, "rgbnir")
        let real = out.appendingPathComponent("data/nir/IVRG_RGBNIR/Outdoor_dataset")
        let noisy = out.appendingPathComponent("data/control-rgbnir/IVRG_RGBNIR/Outdoor_dataset")
        let nirFiles = try FileManager.default.contentsOfDirectory(atPath: real.appendingPathComponent("NIRimages").path)
        XCTAssertEqual(control.files, nirFiles.count)
        for f in nirFiles {
            XCTAssertNotEqual(try Data(contentsOf: real.appendingPathComponent("NIRimages/\(f)")), try Data(contentsOf: noisy.appendingPathComponent("NIRimages/\(f)")), f)
        }
        for folder in ["RGBimages", "masks"] {
            for f in try FileManager.default.contentsOfDirectory(atPath: real.appendingPathComponent(folder).path) {
                XCTAssertEqual(try Data(contentsOf: real.appendingPathComponent("\(folder)/\(f)")), try Data(contentsOf: noisy.appendingPathComponent("\(folder)/\(f)")), f)
            }
        }
        XCTAssertEqual(control.realGain, control.real[1].test.mIoU - control.real[0].test.mIoU, accuracy: 1e-12)
        XCTAssertEqual(control.noiseGain, control.noise[1].test.mIoU - control.noise[0].test.mIoU, accuracy: 1e-12)
        // Zero-shot reads only RGB, which the control leaves as it is.
        XCTAssertEqual(control.noise[0].test.mIoU, control.real[0].test.mIoU, accuracy: 1e-12)

        let html = try String(contentsOf: URL(fileURLWithPath: results.report), encoding: .utf8)
        XCTAssertTrue(html.contains("another dataset") || html.contains("different dataset"))
        XCTAssertTrue(html.contains("samples/nir-ivrg/0.png"), "one picture per channel")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("samples/nir-ivrg/0.png").path))

        // Started again: nothing trains or scores again, and the numbers are the same.
        let second = try AimsProcess.run(arguments)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertFalse(second.stderr.contains("$ aims train"), second.stderr)
        XCTAssertFalse(second.stderr.contains("$ aims eval"), second.stderr)
        let again = try JSONDecoder().decode(Results.self, from: Data(second.stdout.utf8))
        XCTAssertEqual(again.modalities[0].methods.map(\.test.mIoU), methods.map(\.test.mIoU))
        XCTAssertEqual(again.modalities[0].methods.map(\.trainingSeconds), methods.map(\.trainingSeconds))

        // Other settings on the same folder are refused, naming both.
        let other = try AimsProcess.run(["benchmark", "--out", out.path, "--modalities", "nir-ivrg", "--scenes", "7", "--epochs", "1", "--quick"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("7 scenes") && other.stderr.contains("6 scenes"), other.stderr)
    }
}
