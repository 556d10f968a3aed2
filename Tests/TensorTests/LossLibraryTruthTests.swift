import Foundation
import XCTest
@testable import Autodiff
@testable import TensorCore

/// `Loss.diceCE`, `Loss.dice` and `Loss.focal` against the libraries they follow, not against formulas re-typed:
/// MONAI's `DiceCELoss` / `DiceLoss` (sigmoid, squared_pred, include_background, batch = False, reduction mean,
/// smooth_nr = smooth_dr = `smooth`) and torchvision's `sigmoid_focal_loss` (reduction mean). The truth
/// (fixtures/losses/cases.json, scripts/make_loss_fixtures.py) is the library's float64 value of the float32
/// logits and its autograd gradient with respect to them.
///
/// One stated difference: with C > 1 channels MONAI's DiceCELoss takes a softmax cross-entropy over the channels
/// as its CE term; aims keeps the per-channel sigmoid BCE (the multi-label reading that matches the sigmoid Dice),
/// so the `dicece_channels3` truth is MONAI's `DiceLoss` + torch's `BCEWithLogitsLoss`.
final class LossLibraryTruthTests: XCTestCase {
    struct Array: Decodable { let shape: [Int]; let data: [Double] }
    struct Case: Decodable {
        let name, kind: String
        let args: [String: Double]
        let logits, target, grad: Array
        let value: Double
        let monai_dicece: Double?
    }
    struct Document: Decodable { let cases: [Case] }

    static func cases() throws -> [Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/losses/cases.json")
        return try JSONDecoder().decode(Document.self, from: Data(contentsOf: url)).cases
    }

    static func tensor(_ a: Array) -> Tensor { Tensor(shape: a.shape, values: a.data.map { Float($0) }) }

    static func loss(_ c: Case, _ x: Variable, _ t: Tensor) -> Variable {
        switch c.kind {
        case "diceCE": return Loss.diceCE(x, target: t, smooth: Float(c.args["smooth"]!))
        case "dice": return Loss.dice(x, target: t, smooth: Float(c.args["smooth"]!))
        case "focal": return Loss.focal(x, target: t, alpha: Float(c.args["alpha"]!), gamma: Float(c.args["gamma"]!))
        default: fatalError("unknown loss kind \(c.kind)")
        }
    }

    /// Tolerances: aims evaluates σ and the per-element BCE in Float32 and accumulates in Float64, so each term
    /// carries a relative error of a few Float32 ulps (~1e-7); values within 2e-6 relative, gradients within 1e-5
    /// relative to the largest gradient entry of the case (entries near 0 — e.g. σ'(x) at |x| = 60, 1e-26 in
    /// float64, exactly 0 in Float32 — are compared on that absolute scale).
    func testLossesMatchMONAIAndTorchvision() throws {
        let all = try Self.cases()
        XCTAssertEqual(all.count, 16)
        var worstValue = 0.0, worstGrad = 0.0
        for c in all {
            let x = Variable(Self.tensor(c.logits), requiresGrad: true)
            let l = Self.loss(c, x, Self.tensor(c.target))
            let v = Double(l.value.item)
            XCTAssertEqual(v, c.value, accuracy: 2e-6 * max(1, abs(c.value)), "\(c.name) value")
            worstValue = max(worstValue, abs(v - c.value) / max(1, abs(c.value)))
            l.backward()
            let expected = Self.tensor(c.grad)
            let scale = c.grad.data.map(abs).max() ?? 0
            assertClose(x.grad, expected, rtol: 0, atol: Float(1e-5 * scale), "\(c.name) gradient")
            if let g = x.grad?.scalars {
                for (a, e) in zip(g, c.grad.data) { worstGrad = max(worstGrad, abs(Double(a) - e) / scale) }
            }
        }
        print("losses vs MONAI/torchvision: worst value error \(worstValue) (relative), gradient \(worstGrad) (of max |grad|)")
    }

    /// The multi-channel case really differs from MONAI's DiceCELoss (softmax CE): documents why the truth is
    /// DiceLoss + BCEWithLogitsLoss there.
    func testMultiChannelCEIsPerChannelSigmoid() throws {
        let c = try XCTUnwrap(Self.cases().first { $0.name == "dicece_channels3" })
        let v = Double(Self.loss(c, Variable(Self.tensor(c.logits)), Self.tensor(c.target)).value.item)
        let monai = try XCTUnwrap(c.monai_dicece)
        XCTAssertGreaterThan(abs(v - monai), 0.1, "MONAI's softmax-CE DiceCELoss differs for C > 1")
    }
}
