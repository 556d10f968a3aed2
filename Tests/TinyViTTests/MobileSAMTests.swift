import Autodiff
import Foundation
import TensorCore
import TensorFiles
import TensorKernels
import TestComparisons
import TestRequirements
import XCTest
@testable import SimCMF

/// MobileSAM, the TinyViT SAM at 1024 × 1024, against PyTorch's MobileSAM code (mobilesam-mirror 1.0.0's
/// `build_sam_vit_t`) carrying LiteMedSAM's real weights with its 1×1 stem spread over 3×3 kernels
/// (fixtures/tinyvit/mobilesam_1024.safetensors and mobilesam_reference.json, written by
/// scripts/make_mobilesam_fixtures.py; MobileSAM's own `mobile_sam.pt` cannot be fetched here).
final class MobileSAMTests: XCTestCase {
    /// The script's closed-form input `[1, 3, side, side]`, values in [0, 1]:
    /// `v = ((((y − 512)² + (x − 384)²) >> 11) · 9 + 40c + 60 · ((y >> 6) + (x >> 6)) mod 2) & 255`, `x = v / 255`.
    static func patternInput(side: Int = 1024) -> Tensor {
        var values = [Float](repeating: 0, count: 3 * side * side)
        for c in 0..<3 {
            for y in 0..<side {
                for x in 0..<side {
                    let rings = (((y - 512) * (y - 512) + (x - 384) * (x - 384)) >> 11) * 9
                    let v = (rings + 40 * c + 60 * (((y >> 6) + (x >> 6)) % 2)) & 255
                    values[(c * side + y) * side + x] = Float(v) / 255
                }
            }
        }
        return Tensor(shape: [1, 3, side, side], values: values)
    }

    /// Every `step`-th row and column of `logits [1, 1, M, M]`: `[M/step, M/step]`.
    static func strided(_ logits: Tensor, step: Int) -> Tensor {
        let m = logits.shape[3], n = m / step, s = logits.scalars
        return Tensor(shape: [n, n], values: (0..<n).flatMap { y in (0..<n).map { x in s[step * y * m + step * x] } })
    }

    static func reference() throws -> [String: Any] {
        let data = try Data(contentsOf: TinyViTFixtures.directory.appendingPathComponent("mobilesam_reference.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// One encoder forward at 1024 (about as costly as LiteMedSAM's at 256 plus the 3×3 stem) and two decoder passes.
    func testMobileSAMAt1024MatchesPyTorch() throws {
        let lite = try TensorFiles.read(try TinyViTFixtures.checkpointURL())
        let checkpoint = MobileSAMStandIn.checkpoint(from: lite)
        XCTAssertEqual(TinyViTSAMVariant(checkpoint: lite), .liteMedSAM)
        XCTAssertEqual(TinyViTSAMVariant(checkpoint: checkpoint), .mobileSAM)
        let model = try TinyViTSAM(checkpoint: checkpoint)
        var expected = TinyViTConfiguration.mobileSAM
        expected.numHeads[0] = 1; expected.windowSizes[0] = 1   // unused by the conv stage; inferred as 1
        XCTAssertEqual(model.imageEncoder.configuration, expected, "architecture inferred from the tensor shapes")
        XCTAssertEqual([model.inputSize, model.embeddingSize, model.maskSize], [1024, 64, 256])

        let ref = try TinyViTFixtures.archive("mobilesam_1024.safetensors")
        let input = Self.patternInput()
        XCTAssertEqual(Double(input.sum().item), try XCTUnwrap(try Self.reference()["input_sum"] as? Double), accuracy: 1)
        let embedding = try withoutGradients { try model.encodeImage(Variable(input)).value }
        XCTAssertEqual(embedding.shape, [1, 256, 64, 64])
        let picks = try TinyViTFixtures.tensor(ref, "emb_channel_indices").scalars.map { Int($0) }
        let mine = Tensor.concat(picks.map { embedding.slice(axis: 1, $0..<($0 + 1)) }, axis: 1).reshaped([picks.count, 64, 64])
        let absMax = try TinyViTFixtures.tensor(ref, "emb_channel_abs_max")
        assertClose(mine, try TinyViTFixtures.tensor(ref, "emb_channels"), tolerance: 1e-4, "8 embedding channels")
        assertClose(embedding.mean(axes: [0, 2, 3]), try TinyViTFixtures.tensor(ref, "emb_channel_means"), tolerance: 1e-4,
                    floor: Double(absMax.scalars.max()!), "channel means")
        assertClose(abs(embedding).amax(axes: [0, 2, 3]), absMax, tolerance: 1e-4, "channel max |value|")
        let values = embedding.scalars.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
        assertClose([mean, std], try TinyViTFixtures.tensor(ref, "emb_mean_std").scalars.map(Double.init),
                    within: .allClose(relative: 1e-4, absolute: 1e-5), "embedding mean and std")

        let prompts: [(String, SAMPrompts)] = [
            ("box", SAMPrompts(boxes: try TinyViTFixtures.tensor(ref, "box"))),
            ("click", SAMPrompts(pointCoordinates: try TinyViTFixtures.tensor(ref, "click"), pointLabels: Tensor(shape: [1, 1], values: [1]))),
        ]
        for (name, prompt) in prompts {
            let (logits, iou) = try withoutGradients {
                let (m, i) = try model.segment(imageEmbeddings: Variable(embedding), prompts: prompt)
                return (m.value, i.value)
            }
            XCTAssertEqual(logits.shape, [1, 1, 256, 256])
            assertClose(Self.strided(logits, step: 2), try TinyViTFixtures.tensor(ref, "\(name)_logits"), tolerance: 1e-4, "\(name) logits")
            let l = logits.scalars.map(Double.init), lMean = l.reduce(0, +) / Double(l.count)
            let lStd = (l.reduce(0) { $0 + ($1 - lMean) * ($1 - lMean) } / Double(l.count - 1)).squareRoot()
            let summary = try TinyViTFixtures.tensor(ref, "\(name)_logits_mean_std_absmax").scalars.map(Double.init)
            assertClose([lMean, lStd, l.map(Swift.abs).max()!], summary, within: .toScale(1e-4, floor: summary[2]), "\(name) logits mean, std, max |·|")
            assertClose(iou.reshaped([1]), try TinyViTFixtures.tensor(ref, "\(name)_iou"), tolerance: 1e-4, "\(name) IoU prediction")
        }
    }

    /// A MobileSAM-shaped checkpoint without real weights: recognised by its 3×3 stem, its classification head
    /// ignored, every tensor loaded; a stray tensor under `image_encoder` is still reported.
    func testMobileSAMCheckpointIsRecognisedAndItsHeadIgnored() throws {
        let source = try TinyViTSAM(randomSeed: 3, configuration: .mobileSAM)
        let tensors = (source.parameters + source.imageEncoder.buffers + source.promptEncoder.buffers)
            .map { NamedTensor(name: $0.name, storedDType: .float32, tensor: $0.value) }
        let plain = TensorArchive(format: .safetensors, tensors: tensors)
        let withHead = MobileSAMStandIn.checkpoint(from: plain)   // the stems are 3×3 already: only the head is added
        XCTAssertEqual(withHead.tensors.count, plain.tensors.count + 4)
        XCTAssertEqual(TinyViTSAMVariant(checkpoint: withHead), .mobileSAM)
        let loaded = try TinyViTSAM(checkpoint: withHead)
        XCTAssertEqual(loaded.variant, .mobileSAM)
        XCTAssertEqual(loaded.inputSize, 1024)
        for (a, b) in zip(loaded.parameters, source.parameters) { XCTAssertEqual(a.value.scalars, b.value.scalars, a.name) }

        var stray = withHead
        stray.tensors.append(NamedTensor(name: "image_encoder.extra.weight", storedDType: .float32, tensor: Tensor.zeros([2])))
        XCTAssertThrowsError(try TinyViTSAM(checkpoint: stray)) { error in
            guard case TinyViTError.checkpointMismatch(_, let missing, let unexpected, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(missing, []); XCTAssertEqual(unexpected, ["image_encoder.extra.weight"])
        }
    }

    /// `ModelBuilder.scratch(.mobileSAM, …)` (what `aims train --dry-run --init scratch --model mobile_sam` builds) has
    /// PyTorch's MobileSAM parameter counts per part, its classification head (321,640 values) aside.
    func testScratchMobileSAMHasPyTorchsParameterCounts() throws {
        let counts = try XCTUnwrap(try Self.reference()["counts"] as? [String: Any])
        func count(_ key: String) throws -> Int { try XCTUnwrap(counts[key] as? Int, key) }
        let model = try ModelBuilder.scratch(.mobileSAM, channels: 3, alignment: .simcmf, strategy: FullFineTuning())
        let summary = TrainableSummary(model)
        XCTAssertEqual(model.inputSize, 1024)
        XCTAssertEqual(summary.total[.encoder], try count("image_encoder_parameters_without_head"))
        XCTAssertEqual(summary.total[.promptEncoder], try count("prompt_encoder_parameters"))
        XCTAssertEqual(summary.total[.decoder], try count("mask_decoder_parameters"))
        XCTAssertEqual(summary.parameterTotal, try count("sam_parameters") - count("classification_head_parameters"))
        XCTAssertEqual(summary.parameterTotal, 9_808_452)
        XCTAssertEqual(summary.trainableTotal, 5_743_892 + 4_058_340, "full: TinyViT and the mask decoder")
        let encoder = try XCTUnwrap((model as? TinyViTSAM)?.imageEncoder)
        XCTAssertEqual(encoder.parameters.count, try count("image_encoder_parameter_tensors_without_head"))
    }

    /// Each variant takes its own input side only; the error names both.
    func testOtherInputSizesAreRefused() throws {
        for (architecture, size) in [(ModelArchitecture.mobileSAM, 256), (.liteMedSAM, 1024), (.mobileSAM, 512)] {
            XCTAssertThrowsError(try ModelBuilder.scratch(architecture, channels: 3, alignment: .simcmf, strategy: FullFineTuning(),
                                                          imageSize: size)) { error in
                guard case ModelBuilderError.unsupportedImageSize(architecture.rawValue, size, let reason) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(reason.contains("256 for LiteMedSAM, 1024 for MobileSAM"), reason)
            }
        }
        XCTAssertEqual(try ModelBuilder.scratch(.mobileSAM, channels: 4, alignment: .simcmf, strategy: FullFineTuning(), imageSize: 1024).inputSize, 1024)
    }
}
