import XCTest
@testable import Autodiff
@testable import TensorCore
@testable import TensorKernels

/// BatchNorm with batch statistics (the C kernels of `batch_norm.c`) on both ISA paths: the
/// statistics, output and gradients against the formulas summed in Double, and the fused
/// `batchNorm2d(…, gelu: true)` against `gelu(batchNorm2d(…))`. (PyTorch's values: `LayerOpTests`.)
final class BatchNormTrainingTests: XCTestCase {
    /// Planes of 35 floats (two full vectors and a masked tail) and 16 (one exact vector), batch 2.
    let shapes = [[2, 3, 5, 7], [2, 4, 4, 4]]

    func testStatisticsOutputAndGradientsEqualTheFormulasInDouble() {
        onBothKernelPaths { portable in
            for shape in shapes {
                var gen = SeededGenerator(seed: 41)
                let (B, C) = (shape[0], shape[1]), L = shape[2] * shape[3], n = Double(B * L)
                // an offset mean, so a one-pass variance would lose digits
                let x = Tensor.normal(shape, using: &gen) * 3 + 50, g = Tensor.normal(shape, using: &gen)
                let w = Tensor.normal([C], using: &gen), b = Tensor.normal([C], using: &gen)
                var rm = Tensor.full([C], 0.5), rv = Tensor.full([C], 2)
                let (y, stats) = BatchNorm.forwardTrain(x, w, b, eps: 1e-5, momentum: 0.1, runningMean: &rm, runningVar: &rv)
                let r = BatchNorm.backwardTrain(x, w, g, stats, gelu: false, needInput: true)
                let xs = x.scalars, gs = g.scalars, ys = y.scalars, dxs = r.dx!.scalars
                for c in 0..<C {
                    let idx = (0..<B).flatMap { bi in (0..<L).map { (bi * C + c) * L + $0 } }
                    let mu = idx.reduce(0.0) { $0 + Double(xs[$1]) } / n
                    let v = idx.reduce(0.0) { $0 + (Double(xs[$1]) - mu) * (Double(xs[$1]) - mu) } / n
                    let rstd = 1 / (v + 1e-5).squareRoot()
                    let what = "\(shape) channel \(c), portable \(portable)"
                    XCTAssertEqual(Double(stats.mean[c]), mu, accuracy: 1e-5 * abs(mu), "mean, \(what)")
                    XCTAssertEqual(Double(stats.rstd[c]), rstd, accuracy: 1e-5 * rstd, "rstd, \(what)")
                    XCTAssertEqual(Double(rm.scalars[c]), 0.45 + 0.1 * mu, accuracy: 1e-5, "running mean, \(what)")
                    XCTAssertEqual(Double(rv.scalars[c]), 1.8 + 0.1 * v * n / (n - 1), accuracy: 1e-4, "running var, \(what)")
                    let xhat = idx.map { (Double(xs[$0]) - mu) * rstd }
                    let sg = idx.reduce(0.0) { $0 + Double(gs[$1]) }
                    let sgx = zip(idx, xhat).reduce(0.0) { $0 + Double(gs[$1.0]) * $1.1 }
                    XCTAssertEqual(Double(r.db[c]), sg, accuracy: 1e-4, "db, \(what)")
                    XCTAssertEqual(Double(r.dw[c]), sgx, accuracy: 1e-3, "dw, \(what)")
                    let wc = Double(w.scalars[c]), bc = Double(b.scalars[c])
                    for (j, i) in idx.enumerated() {
                        XCTAssertEqual(Double(ys[i]), xhat[j] * wc + bc, accuracy: 1e-4 * (1 + abs(xhat[j] * wc)), "y, \(what)")
                        let dx = rstd * wc * (Double(gs[i]) - sg / n - xhat[j] * sgx / n)
                        XCTAssertEqual(Double(dxs[i]), dx, accuracy: 1e-4 * (1 + abs(dx)), "dx, \(what)")
                    }
                }
            }
        }
    }

    func testFusedGELUEqualsTheComposition() {
        onBothKernelPaths { portable in
            for shape in shapes {
                var gen = SeededGenerator(seed: 43)
                let C = shape[1]
                let ts = [Tensor.normal(shape, using: &gen), Tensor.normal([C], using: &gen), Tensor.normal([C], using: &gen)]
                let seed = Tensor.normal(shape, using: &gen)
                let a = ts.map { Variable($0, requiresGrad: true) }, c = ts.map { Variable($0, requiresGrad: true) }
                var rm1 = Tensor.zeros([C]), rv1 = Tensor.ones([C]), rm2 = Tensor.zeros([C]), rv2 = Tensor.ones([C])
                let fused = batchNorm2d(a[0], a[1], a[2], runningMean: &rm1, runningVar: &rv1, training: true, gelu: true)
                let composed = gelu(batchNorm2d(c[0], c[1], c[2], runningMean: &rm2, runningVar: &rv2, training: true))
                let what = "\(shape), portable \(portable)"
                XCTAssertEqual(fused.value.scalars, composed.value.scalars, "forward: the same kernels in the same order, \(what)")
                XCTAssertEqual(rm1.scalars, rm2.scalars, "running mean, \(what)")
                XCTAssertEqual(rv1.scalars, rv2.scalars, "running var, \(what)")
                fused.backward(seed: seed)
                composed.backward(seed: seed)
                for i in 0..<3 { assertClose(a[i].grad, c[i].grad!, rtol: 1e-5, atol: 1e-6, "grad \(i), \(what)") }
            }
        }
    }

    /// Without the input gradient, only the parameter gradients are computed, and they are the same.
    func testParameterGradientsWithoutTheInputGradient() {
        var gen = SeededGenerator(seed: 47)
        let x = Tensor.normal([2, 3, 5, 7], using: &gen), g = Tensor.normal([2, 3, 5, 7], using: &gen)
        let w = Tensor.normal([3], using: &gen), b = Tensor.normal([3], using: &gen)
        var rm = Tensor.zeros([3]), rv = Tensor.ones([3])
        let (_, stats) = BatchNorm.forwardTrain(x, w, b, eps: 1e-5, momentum: 0.1, runningMean: &rm, runningVar: &rv, gelu: true)
        let full = BatchNorm.backwardTrain(x, w, g, stats, gelu: true, needInput: true)
        let params = BatchNorm.backwardTrain(x, w, g, stats, gelu: true, needInput: false)
        XCTAssertNil(params.dx)
        XCTAssertEqual(params.dw, full.dw)
        XCTAssertEqual(params.db, full.db)
    }
}
