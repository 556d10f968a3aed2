import XCTest
@testable import Autodiff
@testable import TensorCore

/// Losses against PyTorch, MONAI (DiceCELoss) and torchvision (sigmoid_focal_loss), fixtures/engine;
/// optimisers against `torch.optim` trajectories; schedules and clipping against hand-derived values.
final class LossOptimTests: XCTestCase {
    func checkLoss(_ name: String, _ loss: (Variable, Tensor) -> Variable) throws {
        let f = try Fixture(name)
        let x = Variable(f["logits"], requiresGrad: true)
        let l = loss(x, f["target"])
        assertClose(l.value, f["out"], rtol: 1e-5, atol: 1e-6, "\(name) value")
        l.backward(seed: f["R"])
        assertClose(x.grad, f["grad_logits"], rtol: 1e-4, atol: 1e-6, "\(name) grad")
    }

    func testBCEWithLogits() throws { try checkLoss("bce_logits") { Loss.bceWithLogits($0, target: $1) } }
    func testDiceCE() throws { try checkLoss("dice_ce") { Loss.diceCE($0, target: $1) } }
    func testFocal() throws { try checkLoss("focal") { Loss.focal($0, target: $1) } }

    func testDiceHandValues() {
        // p = σ(0) = 0.5 everywhere on 4 pixels, g = [1, 0, 0, 0]: dice = 1 − (2·0.5 + s)/(4·0.25 + 1 + s).
        let x = Variable(Tensor.zeros([1, 1, 2, 2]))
        let d = Loss.dice(x, target: Tensor(shape: [1, 1, 2, 2], values: [1, 0, 0, 0])).value.item
        XCTAssertEqual(d, 1 - (1 + 1e-5) / (2 + 1e-5), accuracy: 1e-7)
        XCTAssertEqual(Loss.bceWithLogits(x, target: Tensor.zeros([1, 1, 2, 2])).value.item, Float(M_LN2), accuracy: 1e-7)
    }

    func testLossFiniteDifferences() {
        var g = SeededGenerator(seed: 21)
        let x = Tensor.normal([2, 1, 3, 3], using: &g)
        let t = Tensor.uniform([2, 1, 3, 3], using: &g).gt(0.5)
        finiteDifferenceCheck(inputs: [x], h: 1e-2, tol: 5e-3) { Loss.diceCE($0[0], target: t) }
        finiteDifferenceCheck(inputs: [x], h: 1e-2, tol: 5e-3) { Loss.focal($0[0], target: t) }
    }

    func trajectory(_ name: String, _ make: ([Parameter]) -> any Optimizer) throws {
        let f = try Fixture("optim_" + name)
        let p = Parameter("p", f["p0"])
        let opt = make([p])
        let grads = f["grads"], expected = f["trajectory"]
        for s in 0..<5 {
            p.grad = grads.slice(axis: 0, s..<(s + 1)).reshaped([6])
            opt.step()
            assertClose(p.value, expected.slice(axis: 0, s..<(s + 1)).reshaped([6]), rtol: 1e-5, atol: 1e-6, "\(name) step \(s)")
        }
        // Save after 2 steps, restore into a fresh optimiser, continue: same trajectory.
        let q = Parameter("p", f["p0"])
        let o1 = make([q])
        for s in 0..<2 { q.grad = grads.slice(axis: 0, s..<(s + 1)).reshaped([6]); o1.step() }
        let state = o1.stateDict()
        let o2 = make([q])
        try o2.loadState(state)
        for s in 2..<5 { q.grad = grads.slice(axis: 0, s..<(s + 1)).reshaped([6]); o2.step() }
        assertClose(q.value, p.value, rtol: 1e-6, atol: 1e-7, "\(name) restored state")
    }

    func testSGDMomentum() throws { try trajectory("sgd") { SGD($0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01) } }
    func testAdam() throws { try trajectory("adam") { Adam($0, learningRate: 0.01, weightDecay: 0.1) } }
    func testAdamW() throws { try trajectory("adamw") { Adam.adamW($0, learningRate: 0.01, weightDecay: 0.1) } }

    func testFrozenParametersAreNotUpdated() {
        let p = Parameter("p", .ones([2]), trainable: false)
        p.grad = .ones([2])
        Adam([p], learningRate: 1).step()
        XCTAssertEqual(p.value.scalars, [1, 1])
    }

    func testSchedules() {
        let s = LRSchedule.step(stepSize: 10, gamma: 0.5)
        XCTAssertEqual(s.learningRate(base: 3e-4, epoch: 9), 3e-4)
        XCTAssertEqual(s.learningRate(base: 3e-4, epoch: 10), 1.5e-4)
        XCTAssertEqual(s.learningRate(base: 3e-4, epoch: 25), 7.5e-5, accuracy: 1e-12)
        let c = LRSchedule.cosine(period: 100, minimum: 0.1)
        XCTAssertEqual(c.learningRate(base: 1, epoch: 0), 1, accuracy: 1e-7)
        XCTAssertEqual(c.learningRate(base: 1, epoch: 50), 0.55, accuracy: 1e-6)
        XCTAssertEqual(c.learningRate(base: 1, epoch: 100), 0.1, accuracy: 1e-7)
    }

    func testClipGradientNorm() {
        let a = Parameter("a", .zeros([2])), b = Parameter("b", .zeros([1]))
        a.grad = Tensor(shape: [2], values: [3, 0]); b.grad = Tensor(shape: [1], values: [4])
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 1), 5)
        XCTAssertEqual(a.grad!.scalars[0], 3 / (5 + 1e-6), accuracy: 1e-6)
        XCTAssertEqual(b.grad!.scalars[0], 4 / (5 + 1e-6), accuracy: 1e-6)
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 10), 1, accuracy: 1e-5)
        XCTAssertEqual(b.grad!.scalars[0], 4 / (5 + 1e-6), accuracy: 1e-6, "no change below the limit")
    }

    /// Large parameters are updated in parallel chunks; the result equals updating small pieces serially.
    func testParallelOptimizerStepsEqualSerialPieces() {
        var g = SeededGenerator(seed: 61)
        let n = 300_000, pieces = 10
        let p0 = Tensor.normal([n], using: &g)
        let grads = (0..<3).map { _ in Tensor.normal([n], using: &g) }
        for make in [{ (ps: [Parameter]) -> any Optimizer in Adam.adamW(ps, learningRate: 0.01, weightDecay: 0.1) },
                     { (ps: [Parameter]) -> any Optimizer in SGD(ps, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01) }] {
            let big = Parameter("big", p0)
            let small = (0..<pieces).map { Parameter("p\($0)", p0.slice(axis: 0, ($0 * n / pieces)..<(($0 + 1) * n / pieces))) }
            let o1 = make([big]), o2 = make(small)
            for gr in grads {
                big.grad = gr
                for (i, q) in small.enumerated() { q.grad = gr.slice(axis: 0, (i * n / pieces)..<((i + 1) * n / pieces)) }
                o1.step(); o2.step()
            }
            assertClose(Tensor.concat(small.map(\.value), axis: 0), big.value, rtol: 0, atol: 0, "chunked == serial")
        }
    }
    /// Adam's update runs as a C kernel (AVX-512, else portable): both give the bits of the update
    /// written out in Swift, one rounded operation at a time, for Adam and AdamW, over several steps
    /// and a length that leaves a partial vector.
    func testAdamKernelEqualsTheUpdateWrittenOut() {
        var g = SeededGenerator(seed: 62)
        let n = 1000 + 7
        let p0 = Tensor.normal([n], using: &g).scalars
        let grads = (0..<3).map { _ in Tensor.normal([n], using: &g).scalars }
        for decoupled in [false, true] {
            onBothKernelPaths { portable in
                let (lr, b1, b2, eps, wd): (Float, Float, Float, Float, Float) = (0.01, 0.9, 0.999, 1e-8, 0.1)
                let p = Parameter("p", Tensor(shape: [n], values: p0))
                let opt = Adam([p], learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: wd, decoupledWeightDecay: decoupled)
                var w = p0, m = [Float](repeating: 0, count: n), v = [Float](repeating: 0, count: n)
                for (t, grad) in grads.enumerated() {
                    p.grad = Tensor(shape: [n], values: grad)
                    opt.step()
                    let bc1 = 1 - Foundation.pow(Double(b1), Double(t + 1)), bc2 = 1 - Foundation.pow(Double(b2), Double(t + 1))
                    let stepSize = Float(Double(lr) / bc1), bc2sqrt = Float(bc2.squareRoot())
                    for i in 0..<n {
                        var gi = grad[i]
                        if decoupled { w[i] *= 1 - lr * wd } else { gi += wd * w[i] }
                        m[i] += (1 - b1) * (gi - m[i])
                        v[i] = v[i] * b2 + (1 - b2) * gi * gi
                        let denom = v[i].squareRoot() / bc2sqrt + eps
                        w[i] += -stepSize * (m[i] / denom)
                    }
                    XCTAssertEqual(p.value.scalars, w, "decoupled \(decoupled) portable \(portable) step \(t)")
                }
            }
        }
    }
}
