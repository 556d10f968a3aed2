import XCTest
@testable import Autodiff
@testable import TensorCore
@testable import TensorKernels

/// conv2d (basic, strided+dilated+grouped, depthwise, patchify, 1×1), conv-transpose 2×2 s2 and
/// LayerNorm2d against PyTorch fixtures, plus finite differences.
final class ConvOpTests: XCTestCase {
    func checkConv(_ name: String) throws {
        let f = try Fixture(name)
        let x = Variable(f["x"], requiresGrad: true), w = Variable(f["w"], requiresGrad: true), b = Variable(f["b"], requiresGrad: true)
        let y = conv2d(x, w, b, stride: f.int("stride"), padding: f.int("padding"), dilation: f.int("dilation"), groups: f.int("groups"))
        assertClose(y.value, f["out"], rtol: 1e-5, atol: 1e-5, "\(name) forward")
        y.backward(seed: f["R"])
        assertClose(x.grad, f["grad_x"], rtol: 1e-4, atol: 1e-4, "\(name) dx")
        assertClose(w.grad, f["grad_w"], rtol: 1e-4, atol: 1e-4, "\(name) dw")
        assertClose(b.grad, f["grad_b"], rtol: 1e-4, atol: 1e-4, "\(name) db")
    }

    func testConvBasic() throws { try checkConv("conv2d_basic") }
    func testConvStrideDilationGroups() throws { try checkConv("conv2d_stride_dil") }
    func testConvDepthwise() throws { try checkConv("conv2d_depthwise") }
    func testConvPatchify() throws {
        XCTAssertTrue(Conv2d.isPatchify([2, 3, 8, 8], [8, 3, 4, 4], Conv2dGeometry(stride: 4)))
        try checkConv("conv2d_patchify")
    }
    func testConv1x1() throws { try checkConv("conv2d_1x1") }

    func testConvTranspose() throws {
        let f = try Fixture("conv_transpose2d")
        let x = Variable(f["x"], requiresGrad: true), w = Variable(f["w"], requiresGrad: true), b = Variable(f["b"], requiresGrad: true)
        let y = convTranspose2d(x, w, b, stride: 2)
        assertClose(y.value, f["out"], rtol: 1e-5, atol: 1e-5, "forward")
        y.backward(seed: f["R"])
        assertClose(x.grad, f["grad_x"], rtol: 1e-4, atol: 1e-4, "dx")
        assertClose(w.grad, f["grad_w"], rtol: 1e-4, atol: 1e-4, "dw")
        assertClose(b.grad, f["grad_b"], rtol: 1e-4, atol: 1e-4, "db")
    }

    func testLayerNorm2d() throws {
        let f = try Fixture("layernorm2d")
        let x = Variable(f["x"], requiresGrad: true), w = Variable(f["w"], requiresGrad: true), b = Variable(f["b"], requiresGrad: true)
        let y = layerNorm2d(x, w, b, eps: f.float("eps"))
        assertClose(y.value, f["out"], rtol: 1e-5, atol: 1e-5, "forward")
        y.backward(seed: f["R"])
        assertClose(x.grad, f["grad_x"], rtol: 1e-4, atol: 1e-4, "dx")
        assertClose(w.grad, f["grad_w"], rtol: 1e-4, atol: 1e-4, "dw")
        assertClose(b.grad, f["grad_b"], rtol: 1e-4, atol: 1e-4, "db")
    }

    func testFiniteDifferences() {
        var g = SeededGenerator(seed: 11)
        let x = Tensor.normal([1, 2, 5, 5], using: &g)
        finiteDifferenceCheck(inputs: [x, Tensor.normal([3, 2, 3, 3], using: &g), Tensor.normal([3], using: &g)]) {
            conv2d($0[0], $0[1], $0[2], stride: 2, padding: 1)
        }
        finiteDifferenceCheck(inputs: [x, Tensor.normal([2, 1, 3, 3], using: &g)]) { conv2d($0[0], $0[1], padding: 2, dilation: 2, groups: 2) }
        finiteDifferenceCheck(inputs: [Tensor.normal([1, 2, 4, 4], using: &g), Tensor.normal([3, 2, 2, 2], using: &g)]) {
            conv2d($0[0], $0[1], stride: 2)
        }
        finiteDifferenceCheck(inputs: [x, Tensor.normal([2, 3, 2, 2], using: &g), Tensor.normal([3], using: &g)]) {
            convTranspose2d($0[0], $0[1], $0[2], stride: 2)
        }
    }

    /// The direct depthwise kernel equals per-channel convolutions through the im2col path, for
    /// strides, paddings and dilations (values and all gradients), and passes finite differences.
    func testDepthwiseMatchesPerChannelIm2col() {
        var g = SeededGenerator(seed: 51)
        // Planes 8 wide, and 37 and 36 wide so that rows span several vectors with a remainder.
        for (s, p, d, k, W) in [(1, 1, 1, 3, 8), (2, 1, 1, 3, 8), (2, 3, 2, 3, 8), (1, 0, 1, 2, 8), (3, 2, 1, 5, 8),
                                (1, 1, 1, 3, 37), (2, 1, 1, 3, 36)] {
            let (B, C, H) = (2, 3, 9)
            let x = Tensor.normal([B, C, H, W], using: &g), w = Tensor.normal([C, 1, k, k], using: &g), b = Tensor.normal([C], using: &g)
            XCTAssertTrue(DepthwiseConv2d.applies(channels: C, weight: w.shape, Conv2dGeometry(stride: s, padding: p, dilation: d, groups: C)))
            let xv = Variable(x, requiresGrad: true), wv = Variable(w, requiresGrad: true), bv = Variable(b, requiresGrad: true)
            let y = conv2d(xv, wv, bv, stride: s, padding: p, dilation: d, groups: C)
            let R = Tensor.normal(y.shape, using: &g)
            y.backward(seed: R)
            let xs = (0..<C).map { Variable(x.slice(axis: 1, $0..<($0 + 1)), requiresGrad: true) }
            let ws = (0..<C).map { Variable(w.slice(axis: 0, $0..<($0 + 1)), requiresGrad: true) }
            let bs = (0..<C).map { Variable(b.slice(axis: 0, $0..<($0 + 1)), requiresGrad: true) }
            let ref = Variable.concat((0..<C).map { conv2d(xs[$0], ws[$0], bs[$0], stride: s, padding: p, dilation: d) }, axis: 1)
            assertClose(y.value, ref.value, rtol: 1e-5, atol: 1e-5, "forward s\(s) p\(p) d\(d) k\(k) W\(W)")
            ref.backward(seed: R)
            assertClose(xv.grad, Tensor.concat(xs.map { $0.grad! }, axis: 1), rtol: 1e-4, atol: 1e-5, "dx s\(s) p\(p) d\(d)")
            assertClose(wv.grad, Tensor.concat(ws.map { $0.grad! }, axis: 0), rtol: 1e-4, atol: 1e-5, "dw s\(s) p\(p) d\(d)")
            assertClose(bv.grad, Tensor.concat(bs.map { $0.grad! }, axis: 0), rtol: 1e-4, atol: 1e-5, "db")
        }
        finiteDifferenceCheck(inputs: [Tensor.normal([1, 2, 5, 6], using: &g), Tensor.normal([2, 1, 3, 3], using: &g), Tensor.normal([2], using: &g)]) {
            conv2d($0[0], $0[1], $0[2], stride: 2, padding: 1, groups: 2)
        }
    }

    /// The depthwise kernels give the same bits on the AVX-512 path (stride 1) as on the portable loops:
    /// both add every rounded product in the same order. Planes 70 wide (a partial vector after four
    /// 16-lane vectors and a second 64-column chunk), dilation 2, and padding wider than the taps reach.
    func testDepthwiseVectorPathEqualsPortable() {
        var g = SeededGenerator(seed: 52)
        for (p, d, k) in [(1, 1, 3), (2, 2, 3), (3, 1, 3), (0, 1, 5)] {
            let x = Tensor.normal([2, 3, 11, 70], using: &g), w = Tensor.normal([3, 1, k, k], using: &g), b = Tensor.normal([3], using: &g)
            var results: [[Tensor]] = []
            onBothKernelPaths { _ in
                let xv = Variable(x, requiresGrad: true), wv = Variable(w, requiresGrad: true), bv = Variable(b, requiresGrad: true)
                let y = conv2d(xv, wv, bv, stride: 1, padding: p, dilation: d, groups: 3)
                var r = SeededGenerator(seed: 53)
                y.backward(seed: Tensor.normal(y.shape, using: &r))
                results.append([y.value, xv.grad!, wv.grad!, bv.grad!])
            }
            for (name, (a, b)) in zip(["y", "dx", "dw", "db"], zip(results[0], results[1])) {
                XCTAssertEqual(a.scalars, b.scalars, "\(name) p\(p) d\(d) k\(k): vector and portable paths differ")
            }
        }
    }

    /// `conv2d(geluOf:)` (GELU recomputed in backward) against `conv2d(gelu(x))`: the same bits for values
    /// and every gradient, for a dense 3×3 conv, depthwise ones and a strided 1×1, and with frozen weights.
    func testConvOfGELUEqualsComposition() {
        // Dense, depthwise strided (portable loops), depthwise stride 1 (AVX-512 here; GELU fused plane by
        // plane) with and without weight gradients, strided 1×1. Planes 19 wide: a partial vector per row.
        for (cin, cout, k, stride, groups, trainWeights) in [(3, 4, 3, 1, 1, true), (4, 4, 3, 2, 4, true), (4, 4, 3, 1, 4, true),
                                                             (6, 6, 3, 1, 6, false), (5, 2, 1, 2, 1, false)] {
            var g = SeededGenerator(seed: UInt64(cin * 10 + k))
            let ts = [Tensor.normal([2, cin, 7, 19], using: &g), Tensor.normal([cout, cin / groups, k, k], using: &g),
                      Tensor.normal([cout], using: &g)]
            let a = ts.enumerated().map { Variable($1, requiresGrad: $0 == 0 || trainWeights) }
            let b = ts.enumerated().map { Variable($1, requiresGrad: $0 == 0 || trainWeights) }
            let fused = conv2d(geluOf: a[0], a[1], a[2], stride: stride, padding: k / 2, groups: groups)
            let composed = conv2d(gelu(b[0]), b[1], b[2], stride: stride, padding: k / 2, groups: groups)
            let what = "\(cin)->\(cout) k\(k) s\(stride) g\(groups)"
            assertClose(fused.value, composed.value, rtol: 0, atol: 0, "\(what) forward")
            let seed = Tensor.normal(fused.shape, using: &g)
            fused.backward(seed: seed)
            composed.backward(seed: seed)
            for i in 0..<3 where i == 0 || trainWeights { assertClose(a[i].grad, b[i].grad!, rtol: 0, atol: 0, "\(what) grad \(i)") }
            if !trainWeights { XCTAssertNil(a[1].grad, "\(what): frozen weight got a gradient") }
        }
    }
}
