import XCTest
@testable import Autodiff
@testable import TensorCore
@testable import TensorKernels

/// What training keeps for backward: large attention probabilities within `AttentionProbabilityBudget`
/// (gradients identical to recomputing them), none in inference; `geluMLP` identical to its composition;
/// the relative-position bias kernels on every ISA path.
final class AttentionMemoryTests: XCTestCase {
    /// Runs `body` with the budget set to `bytes`, restoring it afterwards.
    func withBudget(_ bytes: Int, _ body: () -> Void) {
        let saved = AttentionProbabilityBudget.bytes
        AttentionProbabilityBudget.bytes = bytes
        defer { AttentionProbabilityBudget.bytes = saved }
        body()
    }

    /// One item of 4100 queries and keys: `4100² > storeLimit`, so only the budget can keep its 67 MB of probabilities.
    func testLargeProbabilitiesKeptWithinBudgetAndReleasedByBackward() {
        let n = 4100, bytes = n * n * 4
        XCTAssertGreaterThan(n * n, Attention.storeLimit)
        var g = SeededGenerator(seed: 41)
        let ts = [Tensor.normal([1, n, 2], using: &g), Tensor.normal([1, n, 2], using: &g), Tensor.normal([1, n, 3], using: &g)]
        let seed = Tensor.normal([1, n, 3], using: &g)
        XCTAssertEqual(AttentionProbabilityBudget.bytesInUse, 0)

        func run(budget: Int, expectKept: Bool) -> [Tensor] {
            var grads: [Tensor] = []
            withBudget(budget) {
                let vs = ts.map { Variable($0, requiresGrad: true) }
                let out = attention(vs[0], vs[1], vs[2], scale: 0.7)
                XCTAssertEqual(AttentionProbabilityBudget.bytesInUse, expectKept ? bytes : 0, "budget \(budget)")
                out.backward(seed: seed)
                XCTAssertEqual(AttentionProbabilityBudget.bytesInUse, 0, "released once backward consumed them")
                grads = vs.map { $0.grad! }
            }
            return grads
        }
        let kept = run(budget: bytes, expectKept: true)
        let recomputed = run(budget: bytes - 1, expectKept: false)
        for i in 0..<3 { assertClose(recomputed[i], kept[i], rtol: 0, atol: 0, "grad \(i): recomputed equals kept") }

        // Inference keeps nothing, even with room in the budget.
        withBudget(1 << 40) {
            let vs = ts.map { Variable($0, requiresGrad: true) }
            let out = withoutGradients { attention(vs[0], vs[1], vs[2], scale: 0.7) }
            XCTAssertEqual(AttentionProbabilityBudget.bytesInUse, 0)
            XCTAssertFalse(out.requiresGrad)
            let constant = attention(Variable(ts[0]), Variable(ts[1]), Variable(ts[2]), scale: 0.7)
            XCTAssertEqual(AttentionProbabilityBudget.bytesInUse, 0)
            assertClose(constant.value, out.value, rtol: 0, atol: 0, "same forward")
        }
        // A dropped graph (no backward) returns its claim too.
        withBudget(1 << 40) {
            do {
                let vs = ts.map { Variable($0, requiresGrad: true) }
                _ = attention(vs[0], vs[1], vs[2], scale: 0.7)
            }
            XCTAssertEqual(AttentionProbabilityBudget.bytesInUse, 0)
        }
    }

    /// The fused relative-position attention against `decomposedRelativePosition` + `attention(bias:)`
    /// on the AVX-512 and portable paths, for grids whose width is below, not a multiple of, and above
    /// 16 lanes, and wider than the kernels' stack buffer (512).
    func testRelativeBiasKernelsOnEveryPath() {
        onBothKernelPaths { portable in
            for (B, h, w) in [(3, 3, 4), (2, 2, 19), (1, 3, 32), (1, 1, 530)] {
                var g = SeededGenerator(seed: UInt64(7 + w))
                let d = 4, N = h * w
                let ts = [Tensor.normal([B, N, d], using: &g), Tensor.normal([B, N, d], using: &g), Tensor.normal([B, N, 3], using: &g),
                          Tensor.normal([2 * h - 1, d], using: &g), Tensor.normal([2 * w - 1, d], using: &g)]
                let R = Tensor.normal([B, N, 3], using: &g)
                let a = ts.map { Variable($0, requiresGrad: true) }, b = ts.map { Variable($0, requiresGrad: true) }
                let fused = attention(a[0], a[1], a[2], relativePositionBias: (a[3], a[4], h, w), scale: 0.4)
                let bias = decomposedRelativePosition(b[0], relH: b[3], relW: b[4], h: h, w: w)
                let composed = attention(b[0], b[1], b[2], bias: bias, scale: 0.4)
                let what = "portable \(portable), \(h)x\(w)"
                assertClose(fused.value, composed.value, rtol: 1e-5, atol: 1e-6, "\(what) forward")
                fused.backward(seed: R)
                composed.backward(seed: R)
                for i in 0..<5 { assertClose(a[i].grad, b[i].grad!, rtol: 1e-4, atol: 1e-5, "\(what) grad \(i)") }
            }
        }
    }

    /// `geluMLP` gives bit-identical values and gradients to `linear(gelu(linear(...)))`, whichever
    /// inputs need gradients.
    func testGELUMLPEqualsComposition() {
        var g = SeededGenerator(seed: 43)
        let ts = [Tensor.normal([2, 5, 6], using: &g), Tensor.normal([8, 6], using: &g), Tensor.normal([8], using: &g),
                  Tensor.normal([6, 8], using: &g), Tensor.normal([6], using: &g)]
        let seed = Tensor.normal([2, 5, 6], using: &g)
        for needs in [[true, true, true, true, true], [true, false, false, false, false], [false, false, false, true, true],
                      [false, true, false, false, true]] {
            for withBiases in [true, false] {
                let a = zip(ts, needs).map { Variable($0, requiresGrad: $1) }, b = zip(ts, needs).map { Variable($0, requiresGrad: $1) }
                let fused = geluMLP(a[0], a[1], withBiases ? a[2] : nil, a[3], withBiases ? a[4] : nil)
                let composed = linear(gelu(linear(b[0], b[1], withBiases ? b[2] : nil)), b[3], withBiases ? b[4] : nil)
                assertClose(fused.value, composed.value, rtol: 0, atol: 0, "forward")
                fused.backward(seed: seed)
                composed.backward(seed: seed)
                for i in 0..<5 where needs[i] && (withBiases || (i != 2 && i != 4)) {
                    assertClose(a[i].grad, b[i].grad!, rtol: 0, atol: 0, "needs \(needs) biases \(withBiases): grad \(i)")
                }
            }
        }
        finiteDifferenceCheck(inputs: ts) { geluMLP($0[0], $0[1], $0[2], $0[3], $0[4]) }
    }
}
