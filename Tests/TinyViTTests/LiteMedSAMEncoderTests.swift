import Foundation
import XCTest
import Autodiff
import TensorCore
import TensorFiles
import SimCMF

/// The real LiteMedSAM image encoder (lite_medsam.pth, `image_encoder.*`) against PyTorch on a CT
/// slice (fixtures/tinyvit/litemedsam_encoder.safetensors; pre-processing in fixtures/README.md).
final class LiteMedSAMEncoderTests: XCTestCase {
    /// Counted by scripts/make_tinyvit_fixtures.py from the checkpoint (reference.json `image_encoder`).
    func referenceCounts() throws -> (parameters: Int, floats: Int, batchNorm: Int) {
        let enc = try XCTUnwrap(try TinyViTFixtures.reference()["image_encoder"] as? [String: Any])
        return (try XCTUnwrap(enc["parameter_count"] as? Int), try XCTUnwrap(enc["float_elements"] as? Int),
                try XCTUnwrap(enc["buffer_elements_batchnorm"] as? Int))
    }

    /// Needs no weights: the architecture alone has the checkpoint's parameter count.
    func testLiteMedSAMParameterCountMatchesTheCheckpoint() throws {
        var g = SeededGenerator(seed: 1)
        let model = try TinyViT(configuration: .liteMedSAM, generator: &g)
        let ref = try referenceCounts()
        XCTAssertEqual(model.parameterCount, ref.parameters)
        XCTAssertEqual(model.parameterCount, 5_726_740)
        // With the BatchNorm running statistics: every float tensor under image_encoder (5.74 M).
        XCTAssertEqual(model.parameterCount + model.buffers.reduce(0) { $0 + $1.value.count }, ref.floats)
        XCTAssertEqual(ref.floats, 5_736_596)
        XCTAssertEqual(model.parameters.count, 217)
        XCTAssertEqual(model.buffers.count, 2 * 27)
        XCTAssertEqual(TinyViTConfiguration.liteMedSAM.embeddingSide(input: 256), 64)
        XCTAssertEqual(TinyViTConfiguration.mobileSAM.embeddingSide(input: 1024), 64)
    }

    /// The end-to-end fixture for the SAM decoder's test (not run here: the mask decoder is elsewhere) is
    /// coherent: shapes, the box, and mask = sigmoid(logits) > 0.5 = logits > 0.
    func testEndToEndFixtureIsCoherent() throws {
        let e2e = try TinyViTFixtures.archive("litemedsam_e2e.safetensors")
        XCTAssertEqual(try TinyViTFixtures.tensor(e2e, "box").scalars, [82, 6, 160, 86])
        let logits = try TinyViTFixtures.tensor(e2e, "low_res_logits"), mask = try TinyViTFixtures.tensor(e2e, "mask")
        XCTAssertEqual(logits.shape, [1, 1, 256, 256]); XCTAssertEqual(mask.shape, [256, 256])
        XCTAssertEqual(e2e.entry("mask")?.storedDType, .uint8)
        XCTAssertEqual(logits.gt(0).scalars, mask.scalars)
        XCTAssertEqual(mask.sum().item, 3618)
    }

    func testEncoderMatchesPyTorchOnACTSlice() throws {
        let archive = try TensorFiles.read(try TinyViTFixtures.checkpointURL())
        let model = try TinyViT(checkpoint: archive)
        var expected = TinyViTConfiguration.liteMedSAM
        expected.numHeads[0] = 1; expected.windowSizes[0] = 1   // unused by the conv stage; inferred as 1
        XCTAssertEqual(model.configuration, expected, "architecture inferred from the tensor shapes")
        let ref = try TinyViTFixtures.archive("litemedsam_encoder.safetensors")
        let input = try TinyViTFixtures.tensor(ref, "input")
        XCTAssertEqual(input.shape, [1, 3, 256, 256])
        let clock = ContinuousClock()
        var folded = Tensor(0), plain = Tensor(0)
        let t = try clock.measure { folded = try withoutGradients { try model.encode(Variable(input)).value } }
        model.batchNormMode = .evaluation
        plain = withoutGradients { model(Variable(input)).value }
        print("LiteMedSAM encoder forward (folded BatchNorm): \(t)")
        XCTAssertEqual(folded.shape, [1, 256, 64, 64])
        let picks = try TinyViTFixtures.tensor(ref, "channel_indices").scalars.map { Int($0) }
        XCTAssertEqual(picks.count, 16)
        let expectedChannels = try TinyViTFixtures.tensor(ref, "channels")
        for output in [folded, plain] {
            let mine = Tensor.concat(picks.map { output.slice(axis: 1, $0..<($0 + 1)) }, axis: 1).reshaped([16, 64, 64])
            assertClose(mine, expectedChannels, tolerance: 1e-4, "16 embedding channels")
            // All 256 channels through their means (a mean is within the max error of its channel).
            assertClose(output.mean(axes: [0, 2, 3]), try TinyViTFixtures.tensor(ref, "channel_means"), tolerance: 1e-4,
                        floor: Double(try TinyViTFixtures.tensor(ref, "channel_abs_max").scalars.max()!), "channel means")
            assertClose(abs(output).amax(axes: [0, 2, 3]), try TinyViTFixtures.tensor(ref, "channel_abs_max"), tolerance: 1e-4,
                        "channel max |value|")
        }
        // BatchNorm folding is the same function.
        assertClose(folded, plain, tolerance: 2e-5, "folded vs unfolded BatchNorm")   // measured 3.7e-6
    }
}
