import Foundation
import Autodiff
import TensorCore
import TensorFiles
import XCTest
@testable import SimCMF

/// A model with a training-mode buffer (like BatchNorm's running mean): `logits = w·x̃ + b` where
/// x̃ is the image resized to the mask; in training mode each forward moves `running` towards the
/// batch mean (momentum 0.1). It records the mode of every call.
final class BufferedModel: SegmentationModel {
    let w = Parameter("w", Tensor(shape: [1], values: [0.5]))
    let b = Parameter("b", Tensor(shape: [1], values: [0]))
    let running = Parameter("running", Tensor(shape: [1], values: [0]), trainable: false)
    private(set) var training = false
    var calls: [String] = []
    var inputChannels: Int { 1 }
    var inputSize: Int { 8 }
    var maskSize: Int { 4 }
    var parameters: [Parameter] { [w, b, running] }
    var trainingBuffers: [Parameter] { [running] }
    func setTraining(_ training: Bool) { self.training = training }

    func embed(_ images: Variable) throws -> Variable {
        calls.append(training ? "train" : "eval")
        if training {
            let m = images.value.scalars.reduce(0, +) / Float(images.value.count)
            running.value = Tensor(shape: [1], values: [0.9 * running.value.scalars[0] + 0.1 * m])
        }
        return interpolate(images, size: (4, 4), mode: .nearest)
    }

    func decode(embeddings: Variable, prompts: SAMPrompts) throws -> Variable {
        let n = embeddings.shape[0]
        let x = embeddings.reshaped([n, 16])
        return linear(x.reshaped([n * 16, 1]), w.variable.reshaped([1, 1]), b.variable).reshaped([n, 1, 4, 4])
    }
}

final class TrainingBufferTests: XCTestCase {
    func source() -> InMemoryExampleSource {
        InMemoryExampleSource((0..<3).map { k in
            let ids = (0..<64).map { Int32(($0 % 8) < 3 + k ? 1 : 0) }
            return TrainingExample(id: "\(k)", image: Tensor(shape: [1, 8, 8], values: ids.map { $0 == 1 ? 1 : -1 }), label: LabelMap(height: 8, width: 8, ids: ids))
        })
    }

    func configuration(_ epochs: Int) -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.epochs = epochs; c.batchSize = 2; c.learningRate = 0.05; c.validationInterval = 2
        return c
    }

    func testModesAndBuffersSurviveResume() throws {
        let dirA = FileManager.default.temporaryDirectory.appendingPathComponent("aims-buf-\(UUID().uuidString)")
        let dirB = FileManager.default.temporaryDirectory.appendingPathComponent("aims-buf-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dirA); try? FileManager.default.removeItem(at: dirB) }
        let a = BufferedModel()
        try Trainer(model: a, configuration: configuration(4), runFolder: dirA).run(training: source(), validation: source())
        // Validation (3 images) before epochs 0, 2, 3 in eval mode; 2 training steps per epoch in training mode.
        let v = Array(repeating: "eval", count: 3), t = ["train", "train"]
        XCTAssertEqual(a.calls, v + t + t + v + t + v + t)
        XCTAssertFalse(a.training, "left in evaluation mode")
        XCTAssertNotEqual(a.running.value.scalars, [0])

        try Trainer(model: BufferedModel(), configuration: configuration(2), runFolder: dirB).run(training: source(), validation: source())
        let b = BufferedModel()
        let tb = try Trainer(model: b, configuration: configuration(4), runFolder: dirB)
        XCTAssertTrue(try tb.resume())
        XCTAssertEqual(b.running.value.scalars, try Safetensors.read(dirB.appendingPathComponent("checkpoints/last.safetensors"))["buffer.running"]?.scalars)
        try tb.run(training: source(), validation: source())
        for (p, q) in zip(a.parameters, b.parameters) { XCTAssertEqual(p.value.scalars, q.value.scalars, p.name) }
    }
}
