import Autodiff
import TensorCore
import XCTest
@testable import SimCMF

/// The TinyViT-side analogue of the alignment module (this port's; no reference).
final class PixelChannelMixerTests: XCTestCase {
    func testSelectingMixInFrontOfTinyViTEqualsTheRGBImage() throws {
        var g = SeededGenerator(seed: 3)
        let encoder = try TinyViT(configuration: .testTiny, generator: &g)
        let size = TinyViTConfiguration.testTiny.imageSize
        let x = Tensor.normal([2, 5, size, size], using: &g)
        let mixer = try PixelChannelMixer(channels: 5, gated: false, generator: &g)
        // zip_rgbx picking channels 2, 0, 4.
        var w = [Float](repeating: 0, count: 15)
        w[0 * 5 + 2] = 1; w[1 * 5 + 0] = 1; w[2 * 5 + 4] = 1
        mixer.zipRGBX.weight.value = Tensor(shape: [3, 5, 1, 1], values: w)
        mixer.zipRGBX.bias!.value = .zeros([3])
        let rgb = Tensor.concat([x.slice(axis: 1, 2..<3), x.slice(axis: 1, 0..<1), x.slice(axis: 1, 4..<5)], axis: 1)
        let (mixed, direct) = try withoutGradients { (try encoder(mixer(Variable(x))), encoder(Variable(rgb))) }
        assertClose(mixed.value, direct.value, tol: 1e-5, "TinyViT on the mixed image")
    }

    func testGatedMixerMatchesTheSimCMFGateAndTrains() throws {
        var g = SeededGenerator(seed: 8)
        let sam = try SAMFixtures.model()
        let projector = try XCTUnwrap(try makeAlignmentModule(.simcmf, channels: 4, patchEmbed: sam.imageEncoder.patchEmbed, generator: &g)
                                      as? SimCMFProjector)
        let mixer = try PixelChannelMixer(channels: 4, gated: true, generator: &g)
        XCTAssertEqual(Set(mixer.parameters.map(\.name)), Set(projector.parameters.map(\.name)).subtracting(
            projector.groupPatchEmbedding.flatMap(\.parameters).map(\.name) + [projector.fc.name]))
        // Load the projector's gate and mix: the mixer then feeds exactly what the projector feeds SAM's patch embedding.
        let values = Dictionary(uniqueKeysWithValues: projector.parameters.map { ($0.name, $0.value) })
        for p in mixer.parameters { p.value = values[p.name]! }
        let x = Variable(Tensor.normal([1, 4, 16, 16], using: &g))
        let expected = withoutGradients { projector.zipRGBX(x * projector.gate(x)) }
        assertClose(try withoutGradients { try mixer(x) }.value, expected.value, tol: 1e-6, "gated mix")
        // Gradients reach every mixer parameter.
        try mixer(x).sum().backward()
        for p in mixer.parameters { XCTAssertNotNil(p.grad, p.name) }
        XCTAssertThrowsError(try mixer(Variable(.zeros([1, 3, 16, 16])))) { e in
            XCTAssertEqual(e as? AlignmentError, .channelMismatch(kind: .simcmf, expected: 4, got: 3))
        }
    }
}
