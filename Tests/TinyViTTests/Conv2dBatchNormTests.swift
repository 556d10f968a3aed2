import Foundation
import XCTest
import Autodiff
import TensorCore
import TestComparisons
import SimCMF

final class Conv2dBatchNormTests: XCTestCase {
    /// `folded()` (`Conv2d_BN.fuse()`) as a plain conv equals the conv followed by eval-mode BatchNorm,
    /// here on a grouped strided layer with non-trivial statistics; and the formula by hand for one channel.
    func testFoldedWeightsGiveTheEvaluationOutput() {
        var g = SeededGenerator(seed: 11)
        let layer = Conv2dBatchNorm("m", inChannels: 4, outChannels: 6, kernel: 3, stride: 2, padding: 1, groups: 2, generator: &g)
        layer.bnWeight.value = .uniform([6], low: 0.5, high: 2, using: &g)
        layer.bnBias.value = .uniform([6], low: -1, high: 1, using: &g)
        layer.runningMean.value = .uniform([6], low: -0.5, high: 0.5, using: &g)
        layer.runningVar.value = .uniform([6], low: 0.2, high: 3, using: &g)
        let x = Variable(.normal([2, 4, 9, 9], using: &g))
        let reference = layer(x, mode: .evaluation).value
        let (w, b) = layer.folded()
        XCTAssertEqual(w.shape, [6, 2, 3, 3]); XCTAssertEqual(b.shape, [6])
        let viaFold = conv2d(x, Variable(w), Variable(b), stride: 2, padding: 1, groups: 2).value
        XCTAssertEqual(viaFold.shape, [2, 6, 5, 5])
        XCTAssertLessThan(relativeMaxError(viaFold, reference), 1e-6)
        XCTAssertLessThan(relativeMaxError(layer(x, mode: .evaluationFolded).value, reference), 1e-6)
        let s = layer.bnWeight.value[3] / (layer.runningVar.value[3] + 1e-5).squareRoot()
        XCTAssertEqual(w[3, 1, 2, 0], layer.convWeight.value[3, 1, 2, 0] * s, accuracy: 1e-6)
        XCTAssertEqual(b[3], layer.bnBias.value[3] - layer.runningMean.value[3] * s, accuracy: 1e-6)
        // Training mode normalises with the batch statistics instead (so it differs here) and moves the running mean.
        let meanBefore = layer.runningMean.value
        XCTAssertGreaterThan(relativeMaxError(layer(x, mode: .training).value, reference), 1e-2)
        XCTAssertGreaterThan(relativeMaxError(layer.runningMean.value, meanBefore), 1e-3)
    }

    /// `channelsLast` on `[B, H, W, C]` tokens equals the NCHW layer between permutes, in values and in the
    /// gradients of the input and of the conv weight, γ and β, for every mode (the folded depthwise
    /// layer takes the channels-last kernel; the others the permute path).
    func testChannelsLastMatchesPermutedLayer() {
        for mode in [BatchNormMode.evaluationFolded, .evaluation, .training] {
            var g = SeededGenerator(seed: 12)
            let layer = Conv2dBatchNorm("m", inChannels: 5, outChannels: 5, kernel: 3, padding: 1, groups: 5, generator: &g)
            layer.bnWeight.value = .uniform([5], low: 0.5, high: 2, using: &g)
            layer.bnBias.value = .uniform([5], low: -1, high: 1, using: &g)
            layer.runningMean.value = .uniform([5], low: -0.5, high: 0.5, using: &g)
            layer.runningVar.value = .uniform([5], low: 0.2, high: 3, using: &g)
            let x = Tensor.normal([2, 7, 6, 5], using: &g), R = Tensor.normal([2, 7, 6, 5], using: &g)
            let (mean, variance) = (layer.runningMean.value, layer.runningVar.value)
            func run(_ f: (Variable) -> Variable) -> [Tensor] {
                layer.runningMean.value = mean; layer.runningVar.value = variance
                for p in layer.parameters { p.zeroGrad() }
                let xv = Variable(x, requiresGrad: true)
                f(xv).backward(seed: R)
                let y = withoutGradients { f(Variable(x)).value }
                return [y, xv.grad!] + layer.parameters.map { $0.grad! }
            }
            let fast = run { layer.channelsLast($0, mode: mode) }
            let reference = run { layer($0.permuted([0, 3, 1, 2]), mode: mode).permuted([0, 2, 3, 1]) }
            for (i, (a, b)) in zip(fast, reference).enumerated() {
                XCTAssertEqual(a.shape, b.shape)
                XCTAssertLessThan(relativeMaxError(a, b), 1e-5, "\(mode) output \(i)")
            }
        }
    }

    /// MobileSAM's layout (3×3 stride-2 stem) builds and gives the grid `embeddingSide` predicts. Only
    /// shapes: no MobileSAM reference weights are available offline.
    func testMobileSAMStemShapes() throws {
        var g = SeededGenerator(seed: 5)
        var c = TinyViTConfiguration.mobileSAM
        c.embedDims = [8, 16, 24, 320]; c.numHeads = [1, 2, 3, 4]; c.depths = [1, 1, 1, 1]; c.neckChannels = 8
        XCTAssertEqual(c.mergeStrides, [2, 2, 1], "the preset's strides (a merge into 320 keeps the resolution)")
        XCTAssertEqual(TinyViTConfiguration.officialMergeStrides([8, 16, 24, 32]), [2, 2, 2])
        XCTAssertEqual(TinyViTConfiguration.officialMergeStrides([96, 192, 384, 576]), [2, 2, 1])
        let model = try TinyViT(configuration: c, generator: &g)
        XCTAssertEqual(model.patchEmbed.conv1.convWeight.value.shape, [4, 3, 3, 3])
        XCTAssertEqual(model.patchEmbed.conv2.convWeight.value.shape, [8, 4, 3, 3])
        let y = withoutGradients { model(Variable(.normal([1, 3, 64, 64], using: &g))) }
        XCTAssertEqual(c.stageResolutions(input: 64), [16, 8, 4, 4])
        XCTAssertEqual(y.shape, [1, 8, 4, 4])
        XCTAssertEqual(TinyViTConfiguration.mobileSAM.stageResolutions(input: 1024), [256, 128, 64, 64])
    }
}
