import Autodiff
import Dispatch
import EngineBench
import SimCMF
import TensorCore

/// SAM ViT-B's own encoder block (`SimCMF.ViTBlock`, the one `aims train` runs) as `aims bench engine` workloads,
/// forward + backward with every weight trainable, on a `[1, 64, 64, 768]` grid (SAM at 1024²).
enum ViTBlockWorkloads {
    static let (dim, heads, mlpRatio, grid, window) = (768, 12, 4, 64, 14)

    /// The window block, and the global one when `includeGlobal`.
    static func workloads(includeGlobal: Bool) -> [EngineBenchmark.Workload] {
        var g = SeededGenerator(seed: 3)
        return (includeGlobal ? [false, true] : [false]).map { global in
            let block = ViTBlock("block", dim: dim, heads: heads, mlpRatio: mlpRatio, windowSize: global ? 0 : window, gridSize: grid,
                                 generator: &g)
            let input = Variable(Tensor.normal([1, grid, grid, dim], using: &g), requiresGrad: true)
            let seed = Tensor(shape: [1, grid, grid, dim], repeating: 1e-3)
            return EngineBenchmark.Workload(
                name: global ? "vit_b.block.global.fwd+bwd" : "vit_b.block.window.fwd+bwd",
                shape: global ? "[1,64,64,768], global attention" : "[1,64,64,768], 25 windows of 14×14",
                gflop: flop(window: global ? 0 : window) / 1e9) {
                    block(input).backward(seed: seed)
                    for p in block.parameters { p.grad = nil }
                }
        }
    }

    /// GEMM-type floating-point operations of one forward + backward (3x the forward: dx and dw of every product).
    /// The linear layers run on the 64² real tokens (the windowed block projects the padding once, a negligible
    /// token); attention runs over the padded windows (25 of 14² tokens for 64² with window 14) or all tokens.
    static func flop(window: Int) -> Double {
        let d = Double(dim), m = Double(dim * mlpRatio), hd = d / Double(heads), tokens = Double(grid * grid)
        let linear = 2 * tokens * d * 3 * d + 2 * tokens * d * d + 2 * 2 * tokens * d * m
        let padded = window > 0 ? ((grid + window - 1) / window) * window : grid
        let n = Double(window > 0 ? window * window : grid * grid)
        let groups = Double(padded * padded) / n * Double(heads)
        return 3 * (linear + groups * 2 * 2 * n * n * hd)
    }

    /// Wall time of each stage of one window-block forward (recording the tape) and of its backward, for finding
    /// what is not GEMM work: `(stage, seconds)`.
    static func profileWindowBlock() -> [(String, Double)] {
        var g = SeededGenerator(seed: 2)
        let block = ViTBlock("b", dim: dim, heads: heads, mlpRatio: mlpRatio, windowSize: window, gridSize: grid, generator: &g)
        let x = Variable(Tensor.normal([1, grid, grid, dim], using: &g), requiresGrad: true)
        var out: [(String, Double)] = []
        var t0 = DispatchTime.now().uptimeNanoseconds
        func lap(_ name: String) {
            let t = DispatchTime.now().uptimeNanoseconds
            out.append((name, Double(t - t0) / 1e9))
            t0 = t
        }
        let y = block.norm1(x); lap("norm1")
        let padToken = block.attn.projectQKV(Variable(.zeros([1, 1, 1, dim]))).reshaped([3 * dim])
        let projected = block.attn.projectQKV(y); lap("qkv linear")
        let (windows, hp, wp) = windowPartition(projected, window: window, fill: padToken); lap("window partition")
        let attended = block.attn.attend(windows); lap("attention")
        let merged = windowUnpartition(attended, window: window, paddedH: hp, paddedW: wp, h: grid, w: grid); lap("window unpartition")
        let o = block.attn.proj(merged); lap("proj linear")
        let z = block.mlpPath(x + o); lap("residual, norm2, MLP")
        var pullbacks: [(String, Double)] = []
        z.backward(seed: Tensor(shape: z.shape, repeating: 1e-3), timing: { shape, s in pullbacks.append(("  ← \(shape)", s)) })
        lap("backward (all)")
        return out + pullbacks
    }
}
