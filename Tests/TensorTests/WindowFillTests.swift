import XCTest
@testable import Autodiff
@testable import TensorCore
@testable import TensorKernels

/// `windowPartition(_:window:fill:)`: projecting the real tokens and filling the padding with the
/// projection of a zero token equals projecting the zero-padded windows (SAM's order), in value and gradients.
final class WindowFillTests: XCTestCase {
    func testFilledPartitionEqualsProjectingThePaddedWindows() {
        var g = SeededGenerator(seed: 51)
        for (B, H, W, ws) in [(1, 5, 7, 3), (2, 4, 4, 3), (1, 3, 8, 4)] {
            let C = 4, D = 6
            let ts = [Tensor.normal([B, H, W, C], using: &g), Tensor.normal([D, C], using: &g), Tensor.normal([D], using: &g)]
            let nH = (H + ws - 1) / ws, nW = (W + ws - 1) / ws
            let seed = Tensor.normal([B * nH * nW, ws, ws, D], using: &g)
            // SAM's order: pad with zero tokens, then project every window token.
            let a = ts.map { Variable($0, requiresGrad: true) }
            let reference = linear(windowPartition(a[0], window: ws).windows, a[1], a[2])
            // Project the real tokens only; the padding gets the projection of one zero token.
            let b = ts.map { Variable($0, requiresGrad: true) }
            let padToken = linear(Variable(Tensor(shape: [1, C], repeating: 0)), b[1], b[2]).reshaped([D])
            let filled = windowPartition(linear(b[0], b[1], b[2]), window: ws, fill: padToken).windows
            let what = "\(B)x\(H)x\(W) window \(ws)"
            assertClose(filled.value, reference.value, rtol: 1e-6, atol: 1e-6, "\(what) forward")
            reference.backward(seed: seed)
            filled.backward(seed: seed)
            for i in 0..<3 { assertClose(b[i].grad, a[i].grad!, rtol: 1e-5, atol: 1e-5, "\(what) grad \(i)") }
        }
    }

    /// The padding gradient by hand: a 1×2 grid in 2×2 windows has two padding tokens per window.
    func testPaddingGradientSumsThePaddingTokens() {
        let g = Tensor(shape: [1, 2, 2, 1], values: [1, 2, 3, 4])   // tokens (0,0) (0,1) real; (1,0) (1,1) padding
        XCTAssertEqual(Windows.paddingGradient(g, window: 2, h: 1, w: 2).scalars, [7])
        let filled = Windows.partition(Tensor(shape: [1, 1, 2, 1], values: [5, 6]), window: 2, fill: Tensor(shape: [1], values: [9]))
        XCTAssertEqual(filled.scalars, [5, 6, 9, 9])
    }
}
