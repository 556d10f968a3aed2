import Dispatch

extension EngineBenchmark {
    /// Wall time of each stage of one ViT-B window block forward (with the tape recording) and of
    /// the backward pass, for finding non-GEMM overheads. Returns `(stage, seconds)` pairs.
    public static func profileWindowBlock() -> [(String, Double)] {
        var g = SeededGenerator(seed: 2)
        let block = ViTBlock(prefix: "b", dim: 768, heads: 12, mlp: 3072, window: 14, tokens: 64, generator: &g)
        let x = Variable(Tensor.normal([1, 64, 64, 768], using: &g), requiresGrad: true)
        var out: [(String, Double)] = []
        var t0 = DispatchTime.now().uptimeNanoseconds
        func lap(_ name: String) {
            let t = DispatchTime.now().uptimeNanoseconds
            out.append((name, Double(t - t0) / 1e9))
            t0 = t
        }
        let D = 768, heads = 12, hd = 64
        var h = block.norm1(x); lap("norm1")
        var hp = 0, wp = 0
        (h, hp, wp) = windowPartition(h, window: 14); lap("window partition")
        let nb = h.shape[0], n = 196
        let qkv = block.qkv(h); lap("qkv linear")
        let t = qkv.reshaped([nb, n, 3, heads, hd]).permuted([2, 0, 3, 1, 4]).reshaped([3, nb * heads, n, hd]); lap("qkv permute")
        var o = attention(packedQKV: t, relativePositionBias: (block.relH.variable, block.relW.variable, 14, 14), scale: 0.125); lap("attention")
        o = o.reshaped([nb, heads, 14, 14, hd]).permuted([0, 2, 3, 1, 4]).reshaped([nb, 14, 14, D]); lap("heads merge")
        o = block.proj(o); lap("proj linear")
        o = windowUnpartition(o, window: 14, paddedH: hp, paddedW: wp, h: 64, w: 64); lap("window unpartition")
        let y = x + o; lap("residual 1")
        let n2 = block.norm2(y); lap("norm2")
        let f1 = block.fc1(n2); lap("fc1 linear")
        let ge = gelu(f1); lap("gelu")
        let f2 = block.fc2(ge); lap("fc2 linear")
        let z = y + f2; lap("residual 2")
        var pullbacks: [(String, Double)] = []
        z.backward(seed: Tensor(shape: z.shape, repeating: 1e-3)) { shape, s in pullbacks.append(("  ← \(shape)", s)) }
        lap("backward (all)")
        out += pullbacks
        for (m, k, n) in [(4900, 768, 2304), (4096, 768, 3072), (4096, 768, 2304)] {
            let a = Tensor.normal([m, k], using: &g), w = Tensor.normal([n, k], using: &g), gy = Tensor.normal([m, n], using: &g)
            t0 = DispatchTime.now().uptimeNanoseconds
            _ = MatMul.linear(a, w, nil); lap("gemm fwd \(m)x\(k)x\(n)")
            _ = MatMul.linearInputGrad(gy, w, inputShape: [m, k]); lap("gemm dx")
            _ = MatMul.linearWeightGrad(gy, a, n: n); lap("gemm dw")
        }
        return out
    }
}
