import Foundation
import Autodiff
import TensorCore
import XCTest
@testable import SimCMF

/// Alignment modules against the reference's projector (fixtures/simcmf/alignment.safetensors: tokens for a
/// 4-channel input, or its first channel for zero-shot; simcmf with a non-zero `fc`), the docs/REFERENCE.md §10 anchor at
/// init, and the typed errors.
final class AlignmentTests: XCTestCase {
    private let cases: [(String, AlignmentKind, Bool)] = [
        ("simcmf", .simcmf, false), ("baseline_a", .baselineA, false), ("baseline_b", .baselineB, true),
        ("baseline_b_fixed", .baselineB, false), ("baseline_c", .baselineC, false), ("baseline_d", .baselineD, false),
        ("zeroshot", .zeroshot, false),
    ]

    func testTokensMatchTheReferenceProjector() throws {
        let a = try SimCMFFixtures.archive("alignment.safetensors")
        let sam = try SAMFixtures.model()
        let image = try a.require("image")
        for (key, kind, bug) in cases {
            let c = kind == .zeroshot ? 1 : SimCMFFixtures.channels
            var g = SeededGenerator(seed: 9)
            let m = try makeAlignmentModule(kind, channels: c, patchEmbed: sam.imageEncoder.patchEmbed, baselineBPaddingBug: bug, generator: &g)
            let prefix = "\(key).param."
            let stored = a.names.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
            XCTAssertEqual(Set(m.parameters.map(\.name)), Set(stored), "\(key): parameter names")
            for p in m.parameters {
                let t = try a.require(prefix + p.name)
                XCTAssertEqual(p.value.shape, t.shape, "\(key): \(p.name)")
                if kind == .simcmf || kind == .baselineB || kind == .baselineC, p.name.contains("patch_embedding") {
                    // Built from the pretrained embedding: equal before loading (simcmf: summed over RGB).
                    assertClose(p.value, t, tol: 1e-6, "\(key): \(p.name) initialised from the pretrained patch embedding")
                }
                p.value = t
            }
            let x = kind == .zeroshot ? image.slice(axis: 1, 0..<1) : image
            let tokens = try withoutGradients { try m.tokens(Variable(x), patchEmbed: sam.imageEncoder.patchEmbed) }
            assertClose(tokens.value, try a.require("\(key).tokens"), tol: 1e-4, "\(key): tokens")
        }
    }

    func testSimCMFAtInitIsTheGatedMixThroughThePretrainedEmbedding() throws {
        let sam = try SAMFixtures.model()
        var g = SeededGenerator(seed: 4)
        let m = try XCTUnwrap(try makeAlignmentModule(.simcmf, channels: 5, patchEmbed: sam.imageEncoder.patchEmbed, generator: &g) as? SimCMFProjector)
        XCTAssert(m.fc.value.scalars.allSatisfy { $0 == 0 })
        let x = Variable(Tensor.normal([2, 5, 64, 64], using: &g))
        let (tokens, expected) = try withoutGradients {
            let w = m.gate(x)
            XCTAssertEqual(w.shape, [2, 5, 1, 1])
            let direct = sam.imageEncoder.patchEmbed(m.zipRGBX(x * w)).permuted([0, 2, 3, 1])
            return (try m.tokens(x, patchEmbed: sam.imageEncoder.patchEmbed), direct)
        }
        XCTAssertEqual(tokens.shape, [2, 8, 8, 48])
        assertClose(tokens.value, expected.value, tol: 1e-6, "simcmf tokens with fc = 0")
        // With fc ≠ 0 the novel branch contributes.
        m.fc.value = .ones([1, 5])
        let moved = try withoutGradients { try m.tokens(x, patchEmbed: sam.imageEncoder.patchEmbed) }
        XCTAssertFalse(moved.value.isClose(to: expected.value, rtol: 1e-3, atol: 1e-3))
    }

    func testFromScratchKeepsDefaultInitInsteadOfPretrainedCopies() throws {
        let sam = try SAMFixtures.model()
        let summed = sam.imageEncoder.patchEmbed.weight.value.sum(axes: [1], keepDims: true)
        var g = SeededGenerator(seed: 6)
        for pretrained in [true, false] {
            let m = try XCTUnwrap(try makeAlignmentModule(.simcmf, channels: 2, patchEmbed: sam.imageEncoder.patchEmbed, pretrained: pretrained,
                                                          generator: &g) as? SimCMFProjector)
            for conv in m.groupPatchEmbedding {
                XCTAssertEqual(conv.weight.value.scalars == summed.scalars, pretrained, "group_patch_embedding, pretrained: \(pretrained)")
                XCTAssertEqual(conv.bias!.value.scalars == sam.imageEncoder.patchEmbed.bias!.value.scalars, pretrained)
            }
            let c = try XCTUnwrap(try makeAlignmentModule(.baselineC, channels: 2, patchEmbed: sam.imageEncoder.patchEmbed, pretrained: pretrained,
                                                          generator: &g) as? BaselineCProjector)
            XCTAssertEqual(c.patchEmbedding.weight.value.scalars == sam.imageEncoder.patchEmbed.weight.value.scalars, pretrained)
        }
    }

    func testChannelMismatchAndBadInputsAreNamedErrors() throws {
        let sam = try SAMFixtures.model()
        var g = SeededGenerator(seed: 1)
        let m = try makeAlignmentModule(.simcmf, channels: 9, patchEmbed: sam.imageEncoder.patchEmbed, generator: &g)
        XCTAssertThrowsError(try m.tokens(Variable(.zeros([1, 4, 64, 64])), patchEmbed: sam.imageEncoder.patchEmbed)) { e in
            XCTAssertEqual(e as? AlignmentError, .channelMismatch(kind: .simcmf, expected: 9, got: 4))
            XCTAssert((e as? LocalizedError)?.errorDescription?.contains("C=9") == true)
        }
        XCTAssertThrowsError(try m.tokens(Variable(.zeros([1, 9, 60, 64])), patchEmbed: sam.imageEncoder.patchEmbed)) { e in
            guard case .badImageShape(let field, _, let got)? = e as? AlignmentError else { return XCTFail("\(e)") }
            XCTAssertEqual(field, "image"); XCTAssertEqual(got, [1, 9, 60, 64])
        }
        XCTAssertThrowsError(try makeAlignmentModule(.zeroshot, channels: 2, patchEmbed: sam.imageEncoder.patchEmbed, generator: &g)) { e in
            XCTAssertEqual(e as? AlignmentError, .zeroShotChannels(2))
        }
        XCTAssertThrowsError(try makeAlignmentModule(.baselineD, channels: 0, patchEmbed: sam.imageEncoder.patchEmbed, generator: &g)) { e in
            XCTAssertEqual(e as? AlignmentError, .invalidChannelCount(0))
        }
    }
}
