import XCTest
@testable import Autodiff
@testable import TensorCore

/// A conv stem (3×3 conv, GELU, 4×4 stride-4 patchify) and two pre-norm transformer blocks (the first
/// with SAM's decomposed relative position), a linear head and DiceCE, trained for 50 Adam steps:
/// the loss curve must match the same PyTorch script (fixtures/engine/e2e_transformer.json) per step.
final class EndToEndTests: XCTestCase {
    final class Block: Module {
        let norm1, norm2: LayerNormLayer
        let qkv, proj, fc1, fc2: Linear
        let relH, relW: Parameter?
        let heads = 2, dim = 16

        init(_ prefix: String, rel: Bool, generator g: inout SeededGenerator) {
            norm1 = LayerNormLayer(dotted(prefix, "norm1"), dim: 16, eps: 1e-6)
            norm2 = LayerNormLayer(dotted(prefix, "norm2"), dim: 16, eps: 1e-6)
            qkv = Linear(dotted(prefix, "qkv"), inFeatures: 16, outFeatures: 48, generator: &g)
            proj = Linear(dotted(prefix, "proj"), inFeatures: 16, outFeatures: 16, generator: &g)
            fc1 = Linear(dotted(prefix, "fc1"), inFeatures: 16, outFeatures: 32, generator: &g)
            fc2 = Linear(dotted(prefix, "fc2"), inFeatures: 32, outFeatures: 16, generator: &g)
            relH = rel ? Parameter(dotted(prefix, "rel_pos_h"), .zeros([7, 8])) : nil
            relW = rel ? Parameter(dotted(prefix, "rel_pos_w"), .zeros([7, 8])) : nil
        }

        var parameters: [Parameter] {
            norm1.parameters + qkv.parameters + proj.parameters + norm2.parameters + fc1.parameters + fc2.parameters
                + [relH, relW].compactMap { $0 }
        }

        func callAsFunction(_ x: Variable) -> Variable {
            let (B, N, hd) = (x.shape[0], x.shape[1], dim / heads)
            let qkvOut = qkv(norm1(x)).reshaped([B, N, 3, heads, hd]).permuted([2, 0, 3, 1, 4]).reshaped([3, B * heads, N, hd])
            let scale = 1 / Float(hd).squareRoot()
            let a: Variable
            if let relH, let relW {   // the fused SAM path on packed qkv
                a = attention(packedQKV: qkvOut, relativePositionBias: (relH.variable, relW.variable, 4, 4), scale: scale)
            } else {                  // separate q, k, v
                let q = qkvOut.slice(axis: 0, 0..<1).reshaped([B * heads, N, hd])
                let k = qkvOut.slice(axis: 0, 1..<2).reshaped([B * heads, N, hd])
                let v = qkvOut.slice(axis: 0, 2..<3).reshaped([B * heads, N, hd])
                a = attention(q, k, v, scale: scale)
            }
            let o = a.reshaped([B, heads, N, hd]).permuted([0, 2, 1, 3]).reshaped([B, N, dim])
            let y = x + proj(o)
            return y + fc2(gelu(fc1(norm2(y))))
        }
    }

    final class Model: Module {
        let stem1, stem2: Conv2dLayer
        let blocks: [Block]
        let head: Linear
        init(generator g: inout SeededGenerator) {
            stem1 = Conv2dLayer("stem1", inChannels: 3, outChannels: 8, kernel: 3, padding: 1, generator: &g)
            stem2 = Conv2dLayer("stem2", inChannels: 8, outChannels: 16, kernel: 4, stride: 4, generator: &g)
            blocks = [Block("blocks.0", rel: true, generator: &g), Block("blocks.1", rel: false, generator: &g)]
            head = Linear("head", inFeatures: 16, outFeatures: 1, generator: &g)
        }
        var parameters: [Parameter] { stem1.parameters + stem2.parameters + blocks.flatMap(\.parameters) + head.parameters }
        func callAsFunction(_ x: Variable) -> Variable {
            let s = stem2(gelu(stem1(x)))
            let B = s.shape[0]
            var t = s.permuted([0, 2, 3, 1]).reshaped([B, 16, 16])
            for b in blocks { t = b(t) }
            return head(t).reshaped([B, 1, 4, 4])
        }
    }

    func testFiftyAdamStepsMatchPyTorch() throws {
        let f = try Fixture("e2e_transformer")
        var g = SeededGenerator(seed: 0)
        let model = Model(generator: &g)
        var state: [String: Tensor] = [:]
        for (k, v) in f.tensors where k.hasPrefix("param.") { state[String(k.dropFirst(6))] = v }
        XCTAssertEqual(Set(state.keys), Set(model.parameters.map(\.name)), "parameter names equal the PyTorch state-dict keys")
        try model.load(state)
        let opt = Adam(model.parameters, learningRate: f.float("lr"))
        let x = Variable(f["x"]), target = f["target"]
        let expected = f["losses"].scalars
        var got: [Float] = []
        for _ in 0..<50 {
            let loss = Loss.diceCE(model(x), target: target)
            got.append(loss.value.item)
            opt.zeroGrad()
            loss.backward()
            opt.step()
        }
        XCTAssertEqual(expected.count, 50)
        XCTAssertLessThan(got[49], got[0] * 0.01, "the model trains")
        let worst = zip(got, expected).map { abs($0 - $1) }.max()!
        print("e2e: first loss \(got[0]) last \(got[49]); worst per-step difference from PyTorch \(worst)")
        for (i, (a, e)) in zip(got, expected).enumerated() {
            XCTAssertEqual(a, e, accuracy: 1e-4, "step \(i)")
        }
    }

    /// A SAM-decoder-like stack (depthwise + 1×1 conv, training-mode batch norm, conv-transpose 2×2 s2,
    /// LayerNorm2d, GELU, bilinear resize, hypernetwork batched matmul) trained for 30 SGD-momentum
    /// steps on focal + BCE: per-step losses and the final batch-norm running statistics match PyTorch.
    func testUpscalerThirtySGDStepsMatchPyTorch() throws {
        let f = try Fixture("e2e_upscaler")
        var g = SeededGenerator(seed: 0)
        final class Upscaler: Module {
            let dw, pw: Conv2dLayer
            let bnW = Parameter("bn.weight", .ones([8])), bnB = Parameter("bn.bias", .zeros([8]))
            let upW = Parameter("up.weight", .zeros([8, 6, 2, 2])), upB = Parameter("up.bias", .zeros([6]))
            let lnW = Parameter("ln_w", .ones([6])), lnB = Parameter("ln_b", .zeros([6]))
            let hyper: Linear
            var runningMean = Tensor.zeros([8]), runningVar = Tensor.ones([8])
            init(_ g: inout SeededGenerator) {
                dw = Conv2dLayer("dw", inChannels: 4, outChannels: 4, kernel: 3, padding: 1, groups: 4, generator: &g)
                pw = Conv2dLayer("pw", inChannels: 4, outChannels: 8, kernel: 1, generator: &g)
                hyper = Linear("hyper", inFeatures: 4, outFeatures: 6, generator: &g)
            }
            var parameters: [Parameter] { dw.parameters + pw.parameters + [bnW, bnB, upW, upB, lnW, lnB] + hyper.parameters }
            func callAsFunction(_ x: Variable, _ tokens: Variable) -> Variable {
                var y = pw(dw(x))
                y = relu(batchNorm2d(y, bnW.variable, bnB.variable, runningMean: &runningMean, runningVar: &runningVar, training: true))
                y = convTranspose2d(y, upW.variable, upB.variable, stride: 2)
                y = gelu(layerNorm2d(y, lnW.variable, lnB.variable, eps: 1e-6))
                y = interpolate(y, size: (12, 12), mode: .bilinear)
                let B = y.shape[0]
                return matmul(hyper(tokens), y.reshaped([B, 6, 144])).reshaped([B, 1, 12, 12])
            }
        }
        let model = Upscaler(&g)
        var state: [String: Tensor] = [:]
        for (k, v) in f.tensors where k.hasPrefix("param.") { state[String(k.dropFirst(6))] = v }
        XCTAssertEqual(Set(state.keys), Set(model.parameters.map(\.name)))
        try model.load(state)
        let opt = SGD(model.parameters, learningRate: f.float("lr"), momentum: f.float("momentum"))
        let x = Variable(f["x"]), tokens = Variable(f["tokens"]), target = f["target"]
        let expected = f["losses"].scalars
        XCTAssertEqual(expected.count, 30)
        var worst: Float = 0
        for i in 0..<30 {
            let logits = model(x, tokens)
            let loss = Loss.focal(logits, target: target) + Loss.bceWithLogits(logits, target: target)
            XCTAssertEqual(loss.value.item, expected[i], accuracy: 1e-4, "step \(i)")
            worst = max(worst, abs(loss.value.item - expected[i]))
            opt.zeroGrad()
            loss.backward()
            opt.step()
        }
        print("e2e upscaler: worst per-step difference from PyTorch \(worst)")
        XCTAssertLessThan(expected[29], expected[0], "the model trains")
        assertClose(model.runningMean, f["running_mean"], rtol: 1e-4, atol: 1e-5, "running mean")
        assertClose(model.runningVar, f["running_var"], rtol: 1e-4, atol: 1e-5, "running var")
    }
}
