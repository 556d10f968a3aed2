import XCTest
@testable import Autodiff
@testable import TensorCore

/// The channels-last depthwise conv against the NCHW depthwise `conv2d(groups: C)` between permutes
/// (values and all three gradients, for odd sizes, paddings, strides, dilations and kernels), plus
/// finite differences.
final class DepthwiseConv2dNHWCTests: XCTestCase {
    func testMatchesNCHWDepthwise() {
        var g = SeededGenerator(seed: 61)
        for (s, p, d, k, C) in [(1, 1, 1, 3, 5), (2, 1, 1, 3, 3), (2, 3, 2, 3, 7), (1, 0, 1, 2, 4), (3, 2, 1, 5, 3), (1, 2, 1, 5, 17)] {
            let (B, H, W) = (2, 9, 7)
            let x = Tensor.normal([B, H, W, C], using: &g), w = Tensor.normal([C, 1, k, k], using: &g), b = Tensor.normal([C], using: &g)
            let xv = Variable(x, requiresGrad: true), wv = Variable(w, requiresGrad: true), bv = Variable(b, requiresGrad: true)
            let y = depthwiseConv2dNHWC(xv, wv, bv, stride: s, padding: p, dilation: d)
            let xr = Variable(x, requiresGrad: true), wr = Variable(w, requiresGrad: true), br = Variable(b, requiresGrad: true)
            let ref = conv2d(xr.permuted([0, 3, 1, 2]), wr, br, stride: s, padding: p, dilation: d, groups: C).permuted([0, 2, 3, 1])
            let what = "s\(s) p\(p) d\(d) k\(k) C\(C)"
            assertClose(y.value, ref.value, rtol: 1e-5, atol: 1e-5, "forward \(what)")
            let R = Tensor.normal(y.shape, using: &g)
            y.backward(seed: R)
            ref.backward(seed: R)
            assertClose(xv.grad, xr.grad!, rtol: 1e-5, atol: 1e-5, "dx \(what)")
            assertClose(wv.grad, wr.grad!, rtol: 1e-4, atol: 1e-4, "dw \(what)")
            assertClose(bv.grad, br.grad!, rtol: 1e-4, atol: 1e-4, "db \(what)")
        }
    }

    /// The AVX-512 row kernels give the same bits as the portable loops (every product rounded, then added
    /// in the same order), for channel counts below, at and past one 16-lane vector, strided and dilated.
    func testVectorPathEqualsPortable() {
        var g = SeededGenerator(seed: 63)
        for (s, p, d, k, C) in [(1, 1, 1, 3, 5), (1, 1, 1, 3, 16), (2, 1, 1, 3, 37), (1, 2, 2, 3, 40)] {
            let x = Tensor.normal([2, 9, 11, C], using: &g), w = Tensor.normal([C, 1, k, k], using: &g), b = Tensor.normal([C], using: &g)
            let R = Tensor.normal([2, (9 + 2 * p - d * (k - 1) - 1) / s + 1, (11 + 2 * p - d * (k - 1) - 1) / s + 1, C], using: &g)
            var results: [[Tensor]] = []
            onBothKernelPaths { _ in
                let v = [x, w, b].map { Variable($0, requiresGrad: true) }
                let y = depthwiseConv2dNHWC(v[0], v[1], v[2], stride: s, padding: p, dilation: d)
                y.backward(seed: R)
                results.append([y.value, v[0].grad!, v[1].grad!, v[2].grad!])
            }
            for (name, (a, b)) in zip(["y", "dx", "dw", "db"], zip(results[0], results[1])) {
                XCTAssertEqual(a.scalars, b.scalars, "\(name) s\(s) p\(p) d\(d) C\(C): vector and portable paths differ")
            }
        }
    }

    /// Without a bias, and asking only for some gradients.
    func testPartialGradientsAndNoBias() {
        var g = SeededGenerator(seed: 62)
        let x = Tensor.normal([1, 6, 5, 4], using: &g), w = Tensor.normal([4, 1, 3, 3], using: &g)
        let wv = Variable(w, requiresGrad: true)
        let y = depthwiseConv2dNHWC(Variable(x), wv, padding: 1)
        let wr = Variable(w, requiresGrad: true)
        let ref = conv2d(Variable(x.permuted([0, 3, 1, 2])), wr, padding: 1, groups: 4).permuted([0, 2, 3, 1])
        assertClose(y.value, ref.value, rtol: 1e-5, atol: 1e-5, "forward")
        let R = Tensor.normal(y.shape, using: &g)
        y.backward(seed: R)
        ref.backward(seed: R)
        assertClose(wv.grad, wr.grad!, rtol: 1e-4, atol: 1e-4, "dw")
    }

    func testFiniteDifferences() {
        var g = SeededGenerator(seed: 63)
        finiteDifferenceCheck(inputs: [Tensor.normal([2, 5, 6, 3], using: &g), Tensor.normal([3, 1, 3, 3], using: &g), Tensor.normal([3], using: &g)]) {
            depthwiseConv2dNHWC($0[0], $0[1], $0[2], stride: 2, padding: 1)
        }
        finiteDifferenceCheck(inputs: [Tensor.normal([1, 4, 5, 2], using: &g), Tensor.normal([2, 1, 3, 3], using: &g)]) {
            depthwiseConv2dNHWC($0[0], $0[1], padding: 2, dilation: 2)
        }
    }
}
