import Foundation
import Autodiff
import TensorCore
import XCTest
@testable import SimCMF

/// Backpropagated gradients of the training loss (Dice+CE) against central finite differences, for every
/// fine-tuning strategy on both encoder families: the tiny SAM of fixtures/sam with the simcmf projector
/// (C = 4, one click), and the small LiteMedSAM of fixtures/tinyvit (one box; `frozen` has nothing to
/// differentiate). No PyTorch output is used (only the fixture models' weights): inputs and the strategies'
/// new tensors are drawn here, and all-zero trainable tensors (LoRA B, adapter up, the projector's fc) are
/// drawn non-zero so that every path carries gradient. Batch 1 keeps the ~1,600 forward passes fast.
///
/// Two directional derivatives per trainable tensor: along g/|g|₂ (must equal |g|₂, the tensor's whole
/// gradient magnitude) and along its largest-|g| entry. A tensor the loss does not reach (no gradient, or
/// an all-zero one: the IoU head, the unused mask tokens' MLPs) must give an exactly zero difference quotient
/// when all its entries move at once. The loss is evaluated in Double from the float32 logits (`diceCEInDouble`).
///
/// Step h = 1e-3 and bound `|fd − g·d| ≤ 1e-2 · scale + 3e-6`, scale = |g|₂ along g, max|g| for the entry.
/// The float32 forward perturbs L by ~1e-9 (the logits' rounding), i.e. ~1e-6 in a quotient at h = 1e-3
/// (measured worst 1.8e-6 on entries): hence the absolute floor. Truncation error h²/6·|∂³L| is below 1e-3
/// relative at this h; at h ≥ 3e-3 the ReLU kinks of the hypernetwork MLPs and adapters already cost 3–30 %,
/// at h = 1e-4 the noise does. Measured worst |fd − g·d| / (1e-2 · scale + 3e-6) over all strategies: 0.30.
/// A gradient off by 10 % (or of the wrong sign) fails; the PyTorch tests resolve 0.1 %.
final class FiniteDifferenceGradientTests: XCTestCase {
    static let h: Float = 1e-3
    /// Relative to the probe's scale.
    static let tolerance = 1e-2
    /// Absolute floor: the float32 noise of a difference quotient at this h.
    static let floor = 3e-6

    /// Runs `forward` with gradients, backpropagates, then probes every trainable tensor of `parameters`.
    private func probe(_ what: String, parameters: [Parameter], target: Tensor,
                       forward: () throws -> Variable, file: StaticString = #filePath, line: UInt = #line) throws {
        let logits = try forward()
        let loss = Loss.diceCE(logits, target: target)
        let inDouble = diceCEInDouble(logits.value, target)
        XCTAssertEqual(Double(loss.value.item), inDouble, accuracy: 1e-6 * Swift.abs(inDouble), "\(what): the differenced loss is diceCE",
                       file: file, line: line)
        loss.backward()
        func lossInDouble() throws -> Double { try withoutGradients { diceCEInDouble(try forward().value, target) } }

        var probes: [FiniteDifferenceProbe] = []
        var unreached: [String] = []
        for p in parameters where p.trainable {
            let n = p.value.count
            let values = p.grad?.scalars ?? [Float](repeating: 0, count: n)
            XCTAssertTrue(values.allSatisfy(\.isFinite), "\(what): non-finite gradient of \(p.name)", file: file, line: line)
            guard values.allSatisfy(\.isFinite) else { continue }
            var largest = 0, norm = 0.0
            for i in values.indices {
                if Swift.abs(values[i]) > Swift.abs(values[largest]) { largest = i }
                norm += Double(values[i]) * Double(values[i])
            }
            norm = norm.squareRoot()
            guard norm > 0 else {
                // No gradient: the loss must not read this tensor, so moving all its entries at once changes nothing.
                let (fd, _) = try centralDifference(p, gradient: values, direction: [Float](repeating: 1, count: n), h: Self.h, loss: lossInDouble)
                XCTAssertEqual(fd, 0, "\(what): \(p.name) has no gradient but the loss depends on it", file: file, line: line)
                unreached.append(p.name)
                continue
            }
            // Along g/|g|₂: the derivative is |g|₂, so a gradient of the wrong magnitude shows at once.
            let along = try centralDifference(p, gradient: values, direction: values.map { Float(Double($0) / norm) }, h: Self.h, loss: lossInDouble)
            probes.append(FiniteDifferenceProbe(what: "\(p.name) along g", analytic: along.analytic, numeric: along.numeric, scale: norm))
            var unit = [Float](repeating: 0, count: n)
            unit[largest] = 1
            let entry = try centralDifference(p, gradient: values, direction: unit, h: Self.h, loss: lossInDouble)
            probes.append(FiniteDifferenceProbe(what: "\(p.name)[\(largest)]", analytic: entry.analytic, numeric: entry.numeric,
                                                scale: Double(Swift.abs(values[largest]))))
        }
        XCTAssertFalse(probes.isEmpty, "\(what): nothing probed", file: file, line: line)
        var worst = 0.0, worstName = ""
        for q in probes {
            let bound = Self.tolerance * q.scale + Self.floor
            let error = Swift.abs(q.numeric - q.analytic)
            XCTAssert(error <= bound, "\(what): \(q.what): backprop \(q.analytic), finite difference \(q.numeric) (scale \(q.scale))",
                      file: file, line: line)
            if ProcessInfo.processInfo.environment["GRADIENT_VERBOSE"] == "2" { print("PROBE \(what) \(q.what.replacingOccurrences(of: " ", with: "_")) \(q.analytic) \(q.numeric) \(q.scale)") }
            if !(error / bound <= worst) { worst = error / bound; worstName = q.what }
        }
        if ProcessInfo.processInfo.environment["GRADIENT_VERBOSE"] == "1" {
            print("\(what): \(probes.count) probes, \(unreached.count) tensors unreached, worst |fd − g·d| / bound = \(worst) at \(worstName)")
        }
    }

    /// Draws every all-zero trainable tensor from U(±0.3).
    private func wakeZeroTensors(_ parameters: [Parameter], _ g: inout SeededGenerator) {
        for p in parameters where p.trainable && p.value.scalars.allSatisfy({ $0 == 0 }) {
            p.value = Tensor.uniform(p.value.shape, low: -0.3, high: 0.3, using: &g)
        }
    }

    // MARK: SAM ViT (tiny SAM, simcmf projector, C = 4, one click)

    private func checkSAM(_ key: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let strategy = try XCTUnwrap(SimCMFFixtures.strategies[key])
        let model = try CrossModalSAM(sam: SAMFixtures.model(), alignment: .simcmf, channels: SimCMFFixtures.channels, strategy: strategy, seed: 21)
        var g = SeededGenerator(seed: 22)
        wakeZeroTensors(model.parameters, &g)
        let side = SAMFixtures.configuration.imageSize
        let image = Variable(Tensor.normal([1, SimCMFFixtures.channels, side, side], using: &g))
        let prompts = SAMPrompts(pointCoordinates: Tensor(shape: [1, 1, 2], values: [20, 30]), pointLabels: Tensor(shape: [1, 1], values: [1]))
        let m = SAMFixtures.configuration.lowResMaskSize
        let target = Tensor(shape: [1, 1, m, m], values: (0..<(m * m)).map { _ in Float.random(in: 0..<1, using: &g) > 0.6 ? 1 : 0 })
        try probe("sam \(key)", parameters: model.parameters, target: target, forward: { try model(image, prompts: prompts) },
                  file: file, line: line)
    }

    func testSAMFullFineTuning() throws { try checkSAM("full") }
    func testSAMLinearProbing() throws { try checkSAM("linear") }
    func testSAMLoRA() throws { try checkSAM("lora") }
    func testSAMMLPAdapter() throws { try checkSAM("adapter") }
    func testSAMVisualPrompt() throws { try checkSAM("prompt") }
    func testSAMPrefix() throws { try checkSAM("prefix") }
    func testSAMIA3() throws { try checkSAM("ia3") }

    // MARK: TinyViT (small LiteMedSAM, one box); `frozen` has nothing to differentiate

    private func checkLiteMedSAM(_ strategy: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try TinyLiteMedSAMFixtures.prepared(strategy, seed: 31)
        var g = SeededGenerator(seed: 32)
        wakeZeroTensors(model.parameters, &g)
        let image = Variable(Tensor.uniform([1, 3, 64, 64], using: &g))
        let prompts = SAMPrompts(boxes: Tensor(shape: [1, 4], values: [8, 10, 44, 40]))
        let target = Tensor(shape: [1, 1, 64, 64], values: (0..<(64 * 64)).map { _ in Float.random(in: 0..<1, using: &g) > 0.6 ? 1 : 0 })
        try probe("litemedsam \(strategy)", parameters: model.parameters, target: target,
                  forward: { try model.decode(embeddings: try model.embed(image), prompts: prompts) }, file: file, line: line)
    }

    func testLiteMedSAMFull() throws { try checkLiteMedSAM("full") }
    func testLiteMedSAMDecoder() throws { try checkLiteMedSAM("decoder") }
    func testLiteMedSAMLoRA() throws { try checkLiteMedSAM("lora") }
    func testLiteMedSAMIA3() throws { try checkLiteMedSAM("ia3") }
}
