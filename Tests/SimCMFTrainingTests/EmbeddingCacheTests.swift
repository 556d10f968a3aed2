import Foundation
import Autodiff
import TensorCore
import XCTest
@testable import SimCMF

/// A model whose "encoder" is a fixed (non-trainable) scale and nearest resize and whose decoder
/// `logits = w·e + b` trains; it counts the images it embeds.
final class FrozenEncoderModel: SegmentationModel {
    let scale = Parameter("encoder.scale", Tensor(shape: [1], values: [0.75]), trainable: false)
    let w = Parameter("decoder.w", Tensor(shape: [1], values: [0.5]))
    let b = Parameter("decoder.b", Tensor(shape: [1], values: [0]))
    var frozen: Bool
    private(set) var embeddedImages = 0
    init(frozen: Bool) { self.frozen = frozen }
    var inputChannels: Int { 1 }
    var inputSize: Int { 8 }
    var maskSize: Int { 4 }
    var parameters: [Parameter] { [scale, w, b] }
    var embeddingIsFrozen: Bool { frozen }

    func embed(_ images: Variable) throws -> Variable {
        embeddedImages += images.shape[0]
        return interpolate(images * scale.variable, size: (4, 4), mode: .nearest)
    }

    func decode(embeddings: Variable, prompts: SAMPrompts) throws -> Variable {
        let n = embeddings.shape[0]
        return linear(embeddings.reshaped([n * 16, 1]), w.variable.reshaped([1, 1]), b.variable).reshaped([n, 1, 4, 4])
    }
}

final class EmbeddingCacheTests: XCTestCase {
    func source() -> InMemoryExampleSource {
        InMemoryExampleSource((0..<5).map { k in
            let ids = (0..<64).map { Int32(($0 % 8) < 2 + k ? 1 : 0) }
            return TrainingExample(id: "\(k)", image: Tensor(shape: [1, 8, 8], values: ids.enumerated().map { Float($1) - 0.3 + Float($0 % 5) * 0.1 }),
                                   label: LabelMap(height: 8, width: 8, ids: ids))
        })
    }

    func train(_ model: FrozenEncoderModel, cacheBytes: Int? = nil) throws -> (losses: [Double], cached: Bool) {
        var c = TrainingConfiguration()
        c.epochs = 4; c.batchSize = 2; c.learningRate = 0.05
        let trainer = try Trainer(model: model, configuration: c)
        if let cacheBytes { trainer.embeddingCacheBytes = cacheBytes }
        let s = try trainer.run(training: source())
        return (s.map(\.meanLoss), trainer.cachesEmbeddings)
    }

    /// Same losses and parameters, bit for bit; the encoder runs once per example instead of once per epoch.
    func testCachedRunIsBitIdenticalAndEmbedsEachExampleOnce() throws {
        let cached = FrozenEncoderModel(frozen: true), plain = FrozenEncoderModel(frozen: true)
        let a = try train(cached)
        let b = try train(plain, cacheBytes: 0)
        XCTAssertTrue(a.cached); XCTAssertFalse(b.cached)
        XCTAssertEqual(a.losses, b.losses)
        for (p, q) in zip(cached.parameters, plain.parameters) { XCTAssertEqual(p.value.scalars, q.value.scalars, p.name) }
        XCTAssertNotEqual(cached.w.value.scalars, [0.5], "training moved the decoder (else the comparison is vacuous)")
        XCTAssertEqual(cached.embeddedImages, 5, "5 examples, each embedded once")
        XCTAssertEqual(plain.embeddedImages, 20, "5 examples × 4 epochs")
    }

    /// A model that does not declare its embedding frozen is never cached.
    func testUnfrozenModelIsNotCached() throws {
        let m = FrozenEncoderModel(frozen: false)
        XCTAssertFalse(try train(m).cached)
        XCTAssertEqual(m.embeddedImages, 20)
    }

    /// The budget bounds memory: with room for two embeddings (4×4 floats each), the other three are
    /// embedded again every epoch, and the run is still identical.
    func testBudgetBoundsTheCache() throws {
        let m = FrozenEncoderModel(frozen: true), plain = FrozenEncoderModel(frozen: true)
        let a = try train(m, cacheBytes: 2 * 16 * 4)
        XCTAssertEqual(a.losses, try train(plain, cacheBytes: 0).losses)
        XCTAssertEqual(m.embeddedImages, 5 + 3 * 3)
    }
}
