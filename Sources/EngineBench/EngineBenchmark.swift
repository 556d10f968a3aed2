import Autodiff
import Dispatch
import Foundation
import TensorCore
import TensorKernels

/// Result of `EngineBenchmark.run`: GFLOP/s of the engine's hot paths on SAM ViT-B shapes, beside
/// the machine's FMA peak and the OpenBLAS core measured in the same run.
public struct EngineBenchmarkReport: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        /// What was timed, e.g. `gemm`, `attention.window.fwd+bwd`.
        public var name: String
        /// Shapes in words.
        public var shape: String
        /// Floating-point operations per run (GEMM-type work only: 2 per multiply-add), in 1e9.
        public var gflop: Double
        /// Best wall time of the repetitions, seconds.
        public var seconds: Double
        /// `gflop / seconds`.
        public var gflops: Double
        /// The precision its products run in (`fp32` when absent): its rate is set against that peak.
        public var precision: Precision?
        public init(name: String, shape: String, gflop: Double, seconds: Double, precision: Precision? = nil) {
            self.name = name; self.shape = shape; self.gflop = gflop; self.seconds = seconds; self.gflops = gflop / seconds
            self.precision = precision
        }
    }
    public var openBLASCore: String
    public var openBLASThreads: Int
    public var workerThreads: Int
    public var openBLASCoreTypeEnvironment: String?
    /// Vector width (floats) of the FMA used by the peak probe.
    public var fmaWidth: Int
    /// Measured single-precision FMA peak over all worker threads, GFLOP/s.
    public var fmaPeakGFLOPS: Double
    /// Measured VDPBF16PS peak over all worker threads, GFLOP/s (nil without AVX512_BF16).
    public var bf16PeakGFLOPS: Double?
    public var entries: [Entry]
    /// ViT-B window block fwd+bwd GFLOP/s over the GEMM GFLOP/s (the issue's aim: ≥ 0.6).
    public var windowBlockFractionOfGEMM: Double?

    /// GFLOP/s of the named entry.
    public func rate(_ name: String) -> Double? { entries.first { $0.name == name }?.gflops }

    /// Human-readable table.
    public var text: String {
        var s = "OpenBLAS core: \(openBLASCore) (threads \(openBLASThreads))"
        if let e = openBLASCoreTypeEnvironment { s += "  [OPENBLAS_CORETYPE=\(e) is set: it can halve OpenBLAS on AVX-512 CPUs]" }
        s += "\nworker threads: \(workerThreads); FMA peak (\(fmaWidth)-wide): \(String(format: "%.1f", fmaPeakGFLOPS)) GFLOP/s"
        if let p = bf16PeakGFLOPS { s += String(format: "; bf16 peak (VDPBF16PS): %.1f GFLOP/s", p) }
        s += "\n"
        for e in entries {
            let peak = e.precision == .bf16 ? bf16PeakGFLOPS : fmaPeakGFLOPS
            s += "  " + e.name.padding(toLength: 30, withPad: " ", startingAt: 0)
                + (e.gflop > 0 ? String(format: "%8.1f GFLOP/s  %8.2f GFLOP", e.gflops, e.gflop) : String(repeating: " ", count: 30))
                + String(format: "  %8.4f s  ", e.seconds)
                + (e.gflop > 0 && peak != nil ? String(format: "%3.0f %% of %@ peak  ", 100 * e.gflops / peak!, (e.precision ?? .fp32).rawValue) : "")
                + e.shape + "\n"
        }
        if let g = rate("gemm"), let b = rate("vit_b.block.window.fwd+bwd") {
            s += String(format: "ViT-B window block fwd+bwd at %.0f %% of the GEMM rate", 100 * b / g)
            if let gb = rate("vit_b.block.global.fwd+bwd") { s += String(format: "; global block %.0f %%", 100 * gb / g) }
            s += "\n"
        }
        return s
    }
}

/// Times GEMM, conv and attention (forward + backward) on SAM ViT-B shapes, then any model workloads given.
public enum EngineBenchmark {
    /// A piece of work timed like the kernels: e.g. a model's own block, built where the model is visible (the
    /// engine knows no model; `aims bench engine` passes SAM's `ViTBlock`).
    public struct Workload {
        public var name: String
        public var shape: String
        /// GEMM-type floating-point operations of one `body()`, in GFLOP.
        public var gflop: Double
        public var body: () -> Void
        public init(name: String, shape: String, gflop: Double, body: @escaping () -> Void) {
            self.name = name; self.shape = shape; self.gflop = gflop; self.body = body
        }
    }

    /// - Parameters:
    ///   - repetitions: timed runs per entry (the best is kept), after one warm-up run.
    ///   - includeGlobal: also time global attention over 4096 tokens (≈ 2.5 GB of probabilities and gradients).
    ///   - workloads: timed after the kernels, each as an entry of its own; `windowBlockFractionOfGEMM` is the rate of
    ///     the one named `vit_b.block.window.fwd+bwd` over the GEMM's.
    ///   - progress: receives one line per finished entry.
    public static func run(repetitions: Int = 3, includeGlobal: Bool = true, workloads: [Workload] = [],
                           progress: (String) -> Void = { _ in }) -> EngineBenchmarkReport {
        var report = EngineBenchmarkReport(openBLASCore: BLAS.coreName, openBLASThreads: BLAS.threadCount,
                                           workerThreads: Parallel.workerCount,
                                           openBLASCoreTypeEnvironment: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"],
                                           fmaWidth: FMAProbe.width, fmaPeakGFLOPS: fmaPeak(), bf16PeakGFLOPS: bf16Peak(), entries: [],
                                           windowBlockFractionOfGEMM: nil)
        progress(String(format: "FMA peak %.1f GFLOP/s, OpenBLAS core %@", report.fmaPeakGFLOPS, report.openBLASCore))
        func add(_ name: String, _ shape: String, _ gflop: Double, repetitions: Int = repetitions, precision: Precision? = nil,
                 _ body: () -> Void) {
            body()
            var best = Double.infinity
            for _ in 0..<max(1, repetitions) { best = min(best, time(body)) }
            let e = EngineBenchmarkReport.Entry(name: name, shape: shape, gflop: gflop, seconds: best, precision: precision)
            report.entries.append(e)
            progress(String(format: "%@: %.1f GFLOP/s", name, e.gflops))
        }
        var g = SeededGenerator(seed: 1)
        let D = 768, T = 4096, H = 3072

        // GEMM: x[4096, 768] · W[3072, 768]ᵀ.
        let x = Tensor.normal([T, D], using: &g), w = Tensor.normal([H, D], std: 0.02, using: &g)
        // The GEMM rate is the reference for the block ratio: best of more runs, re-measured at the end.
        let gemmRuns = max(5, 2 * repetitions)
        add("gemm", "[4096,768]·[3072,768]ᵀ", 2 * Double(T * D * H) / 1e9, repetitions: gemmRuns) { _ = MatMul.linear(x, w, nil) }
        if report.bf16PeakGFLOPS != nil {   // the same product with bf16 operands (BF16GEMM on VDPBF16PS)
            add("gemm.bf16", "[4096,768]·[3072,768]ᵀ", 2 * Double(T * D * H) / 1e9, repetitions: gemmRuns, precision: .bf16) {
                Precision.$current.withValue(.bf16) { _ = MatMul.linear(x, w, nil) }
            }
        }

        // Neck 3×3 conv 256→256 on 64×64 (im2col + GEMM), forward + backward (dx, dw).
        let cx = Variable(Tensor.normal([1, 256, 64, 64], using: &g), requiresGrad: true)
        let cw = Variable(Tensor.normal([256, 256, 3, 3], std: 0.02, using: &g), requiresGrad: true)
        add("conv3x3.fwd+bwd", "[1,256,64,64] * [256,256,3,3] pad 1", 3 * 2 * Double(256 * 256 * 9 * 4096) / 1e9) {
            conv2d(cx, cw, padding: 1).backward(seed: Tensor(shape: [1, 256, 64, 64], repeating: 1e-3))
        }
        // Patch embedding 16×16 stride 16 (reshape + GEMM), forward + weight gradient (the image needs none).
        let px = Variable(Tensor.normal([1, 3, 1024, 1024], using: &g))
        let pw = Variable(Tensor.normal([768, 3, 16, 16], std: 0.02, using: &g), requiresGrad: true)
        add("patch_embed.fwd+bwd", "[1,3,1024,1024] * [768,3,16,16] stride 16", 2 * 2 * Double(4096 * 768 * 768) / 1e9) {
            conv2d(px, pw, stride: 16).backward(seed: Tensor(shape: [1, 768, 64, 64], repeating: 1e-3))
        }

        // Window attention: 25 windows × 12 heads of 196 tokens, head dim 64, with decomposed rel-pos bias.
        let B = 300, N = 196, hd = 64
        let q = Variable(Tensor.normal([B, N, hd], using: &g), requiresGrad: true)
        let k = Variable(Tensor.normal([B, N, hd], using: &g), requiresGrad: true)
        let v = Variable(Tensor.normal([B, N, hd], using: &g), requiresGrad: true)
        let rh = Variable(Tensor.normal([27, hd], std: 0.02, using: &g), requiresGrad: true)
        let rw = Variable(Tensor.normal([27, hd], std: 0.02, using: &g), requiresGrad: true)
        let attnFlop = 3 * 2 * 2 * Double(B * N * N * hd) / 1e9
        add("attention.window.fwd+bwd", "300×[196,64], rel-pos bias", attnFlop) {
            attention(q, k, v, relativePositionBias: (rh, rw, 14, 14), scale: 0.125).backward(seed: Tensor(shape: [B, N, hd], repeating: 1e-3))
        }
        add("attention.window.fwd", "300×[196,64], no bias", 2 * 2 * Double(B * N * N * hd) / 1e9) {
            _ = Attention.forward(q: q.value, k: k.value, v: v.value, bias: .none, scale: 0.125)
        }
        add("relpos.window.fwd+bwd", "300×[196,64] → [300,196,196]", 0) {
            decomposedRelativePosition(q, relH: rh, relW: rw, h: 14, w: 14).backward(seed: Tensor(shape: [B, N, N], repeating: 1e-3))
        }
        if includeGlobal {
            let gq = Variable(Tensor.normal([12, T, hd], using: &g), requiresGrad: true)
            let gk = Variable(Tensor.normal([12, T, hd], using: &g), requiresGrad: true)
            let gv = Variable(Tensor.normal([12, T, hd], using: &g), requiresGrad: true)
            add("attention.global.fwd+bwd", "12×[4096,64]", 3 * 2 * 2 * Double(12 * T * T * hd) / 1e9) {
                attention(gq, gk, gv, scale: 0.125).backward(seed: Tensor(shape: [12, T, hd], repeating: 1e-3))
            }
        }

        for w in workloads { add(w.name, w.shape, w.gflop, w.body) }
        let again = (0..<gemmRuns).map { _ in time { _ = MatMul.linear(x, w, nil) } }.min()!
        if let i = report.entries.firstIndex(where: { $0.name == "gemm" }), again < report.entries[i].seconds {
            report.entries[i] = EngineBenchmarkReport.Entry(name: "gemm", shape: report.entries[i].shape, gflop: report.entries[i].gflop, seconds: again)
        }
        if let g = report.rate("gemm"), let b = report.rate("vit_b.block.window.fwd+bwd") { report.windowBlockFractionOfGEMM = b / g }
        return report
    }

    static func time(_ body: () -> Void) -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    /// FMA peak over all worker threads: each runs the C FMA burn loop.
    public static func fmaPeak() -> Double { peak(FMAProbe.burn) }

    /// VDPBF16PS peak over all worker threads (nil without AVX512_BF16).
    public static func bf16Peak() -> Double? { FMAProbe.burnBF16(1) == 0 ? nil : peak(FMAProbe.burnBF16) }

    /// Best of three rounds of `burn` on every worker thread at once, GFLOP/s.
    static func peak(_ burn: @Sendable (Int) -> Double) -> Double {
        let n = Parallel.workerCount
        let iterations = 20_000_000
        _ = burn(1_000_000)
        var best = 0.0
        for _ in 0..<3 {
            let flops = UnsafeSendableBox(UnsafeMutablePointer<Double>.allocate(capacity: n))
            let t = time {
                DispatchQueue.concurrentPerform(iterations: n) { i in flops.value[i] = burn(iterations) }
            }
            var total = 0.0
            for i in 0..<n { total += flops.value[i] }
            flops.value.deallocate()
            best = max(best, total / t / 1e9)
        }
        return best
    }
}
