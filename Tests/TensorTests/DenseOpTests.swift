import XCTest
import CEngineKernels
@testable import Autodiff
@testable import TensorCore
@testable import TensorKernels
import TestComparisons

/// linear, batched matmul, softmax, layer norm and activations against PyTorch fixtures
/// (forward within 1e-5 relative, gradients within 1e-4) and finite differences.
final class DenseOpTests: XCTestCase {
    /// Runs `op` on the fixture's inputs, compares `out` and `grad_<name>` for every input.
    func check(_ name: String, _ inputNames: [String], file: StaticString = #filePath, line: UInt = #line,
               _ op: ([Variable], Fixture) -> Variable) throws {
        let f = try Fixture(name)
        let vars = inputNames.map { Variable(f[$0], requiresGrad: true) }
        let out = op(vars, f)
        assertClose(out.value, f["out"], rtol: 1e-5, atol: 1e-5, "\(name) forward", file: file, line: line)
        out.backward(seed: f["R"])
        for (n, v) in zip(inputNames, vars) {
            assertClose(v.grad, f["grad_" + n], rtol: 1e-4, atol: 1e-4, "\(name) grad \(n)", file: file, line: line)
        }
    }

    func testLinear() throws { try check("linear", ["x", "w", "b"]) { v, _ in linear(v[0], v[1], v[2]) } }
    func testMatmul() throws { try check("matmul", ["a", "b"]) { v, _ in matmul(v[0], v[1]) } }
    func testMatmulTransB() throws { try check("matmul_transb", ["a", "b"]) { v, _ in matmul(v[0], v[1], transB: true, alpha: 0.5) } }
    func testMatmulShared() throws { try check("matmul_shared", ["a", "b"]) { v, _ in matmul(v[0], v[1]) } }
    func testSoftmax() throws { try check("softmax", ["x"]) { v, _ in softmax(v[0]) } }
    func testLayerNorm() throws { try check("layernorm", ["x", "w", "b"]) { v, f in layerNorm(v[0], v[1], v[2], eps: f.float("eps")) } }
    func testGELU() throws { try check("gelu", ["x"]) { v, _ in gelu(v[0]) } }
    func testReLU() throws { try check("relu", ["x"]) { v, _ in relu(v[0]) } }
    func testSigmoid() throws { try check("sigmoid", ["x"]) { v, _ in sigmoid(v[0]) } }
    func testBroadcastArithmetic() throws {
        try check("broadcast_mul_div", ["a", "b"]) { v, _ in v[0] * v[1] + v[0] / v[1] - v[1] }
    }

    func testFiniteDifferences() {
        var g = SeededGenerator(seed: 3)
        let x = Tensor.normal([2, 3, 4], using: &g), w = Tensor.normal([5, 4], using: &g), b = Tensor.normal([5], using: &g)
        finiteDifferenceCheck(inputs: [x, w, b]) { linear($0[0], $0[1], $0[2]) }
        finiteDifferenceCheck(inputs: [x, Tensor.normal([2, 4, 3], using: &g)]) { matmul($0[0], $0[1]) }
        finiteDifferenceCheck(inputs: [x, Tensor.normal([2, 5, 4], using: &g)]) { matmul($0[0], $0[1], transB: true, alpha: 0.7) }
        finiteDifferenceCheck(inputs: [x]) { softmax($0[0]) }
        finiteDifferenceCheck(inputs: [x, Tensor.normal([4], using: &g), Tensor.normal([4], using: &g)]) { layerNorm($0[0], $0[1], $0[2], eps: 1e-5) }
        finiteDifferenceCheck(inputs: [x]) { gelu($0[0]) }
        finiteDifferenceCheck(inputs: [x]) { sigmoid($0[0]) }
        finiteDifferenceCheck(inputs: [x, Tensor.normal([3, 1], using: &g)]) { ($0[0] * $0[1]).sum(axes: [1]) }
        finiteDifferenceCheck(inputs: [x]) { $0[0].permuted([2, 0, 1]).slice(axis: 1, 1..<2).padded([(1, 0)]) }
        finiteDifferenceCheck(inputs: [x, x]) { Variable.concat([$0[0], $0[1] * 2], axis: 1).mean(axes: [0]) }
    }

    func testFrozenParameterGetsNoGradientAndTapeIsNotRecordedWithoutGradients() {
        var g = SeededGenerator(seed: 4)
        let w = Parameter("w", Tensor.normal([3, 4], using: &g))
        let b = Parameter("b", Tensor.normal([3], using: &g), trainable: false)
        let x = Variable(Tensor.normal([2, 4], using: &g))
        let y = linear(x, w.variable, b.variable)
        XCTAssertNotNil(y.pullback)
        y.sum().backward()
        XCTAssertNotNil(w.grad)
        XCTAssertNil(b.grad)
        XCTAssertNil(y.pullback, "pullback released after backward")
        // Gradients accumulate over two backward passes.
        let first = w.grad!
        linear(x, w.variable, b.variable).sum().backward()
        assertClose(w.grad!, first * 2, "accumulation")
        // No parameter requires a gradient: nothing is recorded.
        w.trainable = false
        let z = linear(x, w.variable, b.variable)
        XCTAssertNil(z.pullback)
        XCTAssertFalse(z.requiresGrad)
    }

    func testDiamondGraphAccumulatesBothPaths() {
        let x = Variable(Tensor(shape: [2], values: [1, 2]), requiresGrad: true)
        let y = x * x            // used twice below
        let z = (y + y * x).sum() // d/dx (x² + x³) = 2x + 3x²
        z.backward()
        XCTAssertEqual(x.grad!.scalars, [2 + 3, 4 + 12])
    }

    /// The vectorised C kernels (GELU, softmax) against Double references over wide ranges and odd
    /// lengths, on the detected path (AVX-512 here), capped at AVX2, and on the portable path.
    func testVectorisedKernelsAgainstDouble() {
        for portable: Int32 in [0, 2, 1] {   // detected ISA, AVX2 at most, portable
            engine_use_portable_kernels(portable)
            defer { engine_use_portable_kernels(0) }
            checkKernelsAgainstDouble()
        }
    }

    /// Column sums (the bias gradient) on the AVX-512 and portable paths: the same bits on both (each
    /// column summed over the rows in order), within 1e-5 of sums in Double, for widths below one
    /// vector, with a partial vector after four, and wide enough to be split across workers.
    func testColumnSumsAgainstDouble() {
        for (rows, n) in [(5, 3), (33, 70), (257, 1000)] {
            var g = SeededGenerator(seed: UInt64(n))
            let x = Tensor.normal([rows, n], mean: 0.5, std: 2, using: &g)
            let expected = (0..<n).map { j in (0..<rows).reduce(0.0) { $0 + Double(x.scalars[$1 * n + j]) } }
            var results: [[Float]] = []
            onBothKernelPaths { _ in
                results.append(MatMul.columnSums(x, n: n).scalars)
            }
            XCTAssertEqual(results[0], results[1], "\(rows)x\(n): vector and portable paths differ")
            assertClose(results[0], expected, within: .allClose(relative: 1e-5, absolute: 1e-5), "\(rows)x\(n) column sums")
        }
    }

    /// Layer norm's kernels on the AVX-512 and portable paths against sums in Double, for row widths
    /// below, not a multiple of, and above 16 lanes, with and without the affine parameters: forward
    /// (1e-5), input gradient (1e-4), and weight and bias gradients (1e-5; the same on both paths).
    func testLayerNormKernelsAgainstDouble() {
        for (rows, d) in [(3, 5), (4, 16), (7, 37), (2, 768)] {
            var g = SeededGenerator(seed: UInt64(d))
            let x = Tensor.normal([rows, d], mean: 0.5, std: 2, using: &g), gy = Tensor.normal([rows, d], using: &g)
            let w = Tensor.normal([d], using: &g), b = Tensor.normal([d], using: &g)
            let X = x.scalars.map(Double.init), G = gy.scalars.map(Double.init), W = w.scalars.map(Double.init)
            // References in Double, per row: x̂, y, and dx; over rows: dw, db.
            var xhat = [Double](), y = [Double](), dx = [Double](), dw = [Double](repeating: 0, count: d), db = dw
            for i in 0..<rows {
                let row = X[(i * d)..<((i + 1) * d)], gr = Array(G[(i * d)..<((i + 1) * d)])
                let mu = row.reduce(0, +) / Double(d)
                let rs = 1 / (row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(d) + 1e-6).squareRoot()
                let xh = row.map { ($0 - mu) * rs }
                let gh = (0..<d).map { gr[$0] * W[$0] }
                let a = gh.reduce(0, +) / Double(d), c = zip(gh, xh).map(*).reduce(0, +) / Double(d)
                xhat += xh
                y += (0..<d).map { xh[$0] * W[$0] + Double(b.scalars[$0]) }
                dx += (0..<d).map { rs * (gh[$0] - a - xh[$0] * c) }
                for j in 0..<d { dw[j] += gr[j] * xh[j]; db[j] += gr[j] }
            }
            var paramGrads: [[Float]] = []
            let shared = LayerNorm.forward(x, w, b, eps: 1e-6).1   // both paths' backward from the same statistics
            onBothKernelPaths { portable in
                let what = "portable \(portable), \(rows)x\(d)"
                let (out, stats) = LayerNorm.forward(x, w, b, eps: 1e-6)
                assertClose(out, Tensor(shape: [rows, d], values: y.map { Float($0) }), rtol: 1e-5, atol: 1e-5, "\(what) forward")
                let (plain, _) = LayerNorm.forward(x, nil, nil, eps: 1e-6)
                assertClose(plain, Tensor(shape: [rows, d], values: xhat.map { Float($0) }), rtol: 1e-5, atol: 1e-5, "\(what) no affine")
                XCTAssertEqual(stats.mean.count, rows)
                let r = LayerNorm.backward(x, w, shared, gy)
                assertClose(r.dx, Tensor(shape: [rows, d], values: dx.map { Float($0) }), rtol: 1e-4, atol: 1e-4, "\(what) dx")
                assertClose(r.dw, Tensor(shape: [d], values: dw.map { Float($0) }), rtol: 1e-5, atol: 1e-5, "\(what) dw")
                assertClose(r.db, Tensor(shape: [d], values: db.map { Float($0) }), rtol: 1e-5, atol: 1e-5, "\(what) db")
                paramGrads.append(r.dw!.scalars + r.db!.scalars)
            }
            XCTAssertEqual(paramGrads[0], paramGrads[1], "\(rows)x\(d): weight and bias gradients differ between the paths")
        }
    }

    func checkKernelsAgainstDouble() {
        let n = 1001
        let x = Tensor(shape: [n], values: (0..<n).map { -8 + 16 * Float($0) / Float(n - 1) })
        let y = Activation.gelu(x).scalars, dy = Activation.geluGrad(x, .ones([n])).scalars
        for (i, v) in x.scalars.enumerated() {
            let d = Double(v)
            let ref = 0.5 * d * (1 + erf(d / 2.0.squareRoot()))
            let dref = 0.5 * (1 + erf(d / 2.0.squareRoot())) + d * exp(-d * d / 2) / (2 * Double.pi).squareRoot()
            XCTAssertEqual(Double(y[i]), ref, accuracy: 1e-6 + 1e-6 * abs(ref), "gelu(\(v))")
            XCTAssertEqual(Double(dy[i]), dref, accuracy: 2e-6, "gelu'(\(v))")
        }
        var g = SeededGenerator(seed: 9)
        for len in [1, 15, 16, 37, 196] {
            let s = Tensor.normal([3, len], std: 4, using: &g)
            let p = Softmax.forward(s).scalars, v = s.scalars
            for r in 0..<3 {
                let row = v[(r * len)..<((r + 1) * len)].map(Double.init)
                let m = row.max()!, z = row.map { exp($0 - m) }.reduce(0, +)
                for j in 0..<len { XCTAssertEqual(Double(p[r * len + j]), exp(row[j] - m) / z, accuracy: 1e-6 * max(1, exp(row[j] - m) / z) + 1e-7) }
            }
        }
    }

    /// Graph nodes (and the activations their pullbacks captured) are freed by backward; values no
    /// pullback captured are freed as soon as the forward code drops them.
    func testBackwardReleasesNodesAndUncapturedValuesAreFreedEarly() {
        let x = Variable(Tensor.ones([4, 4]), requiresGrad: true)
        weak var midNode: Node?
        weak var uncaptured: TensorStorage?
        let loss: Variable = {
            let a = x * 2            // `* scalar` captures nothing: a's value is not needed by backward
            uncaptured = a.value.storage
            let m = gelu(a + 1)      // gelu captures its input (a + 1)
            midNode = m.node
            return m.sum()
        }()
        XCTAssertNil(uncaptured, "an intermediate value no pullback needs is freed after forward")
        XCTAssertNotNil(midNode, "nodes live while the graph does")
        loss.backward()
        XCTAssertNil(midNode, "released after backward consumed it")
        XCTAssertNotNil(x.grad)
    }

    /// Attention computed per head on separate cores equals the serial threaded-BLAS path.
    func testAttentionDoesNotDependOnTheExecutionPath() {
        var g = SeededGenerator(seed: 17)
        let B = max(4, Parallel.workerCount * 2)
        let q = Tensor.normal([B, 33, 8], using: &g), k = Tensor.normal([B, 40, 8], using: &g), v = Tensor.normal([B, 40, 5], using: &g)
        let all = Attention.forward(q: q, k: k, v: v, bias: .none, scale: 0.3).out
        for i in 0..<B {   // one item at a time takes the serial path
            let one = Attention.forward(q: q.slice(axis: 0, i..<(i + 1)), k: k.slice(axis: 0, i..<(i + 1)),
                                        v: v.slice(axis: 0, i..<(i + 1)), bias: .none, scale: 0.3).out
            assertClose(one, all.slice(axis: 0, i..<(i + 1)), rtol: 1e-6, atol: 1e-6, "item \(i)")
        }
    }

    func testWithoutGradientsRecordsNothingEvenForTrainableParameters() {
        var g = SeededGenerator(seed: 41)
        let w = Parameter("w", Tensor.normal([3, 4], using: &g))
        let x = Variable(Tensor.normal([2, 4], using: &g))
        let y = withoutGradients { gelu(linear(x, w.variable)) }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertNil(y.pullback)
        XCTAssertTrue(GradientMode.isEnabled, "restored afterwards")
        XCTAssertNotNil(linear(x, w.variable).pullback)
        // detached() cuts the graph
        let z = (linear(x, w.variable).detached() * 2).sum()
        XCTAssertFalse(z.requiresGrad)
    }
}
