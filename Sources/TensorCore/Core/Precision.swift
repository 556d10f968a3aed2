/// The arithmetic of the products that dominate a model (linear layers, convolutions other than depthwise,
/// attention's `q·kᵀ` and `P·v` and their gradients): `fp32`, or `bf16` operands with fp32 accumulation as
/// `torch.autocast` runs them (docs/PERFORMANCE.md, "bf16").
/// Everything else (softmax, norms, GELU, depthwise convolutions, losses, optimizer state, master weights)
/// stays fp32 either way.
///
/// The setting is scoped, not global: `Precision.$current.withValue(.bf16) { ... }` runs a model's
/// forward or step in bf16 on the calling thread and on every worker `Parallel` hands its chunks to.
public enum Precision: String, Sendable, CaseIterable, Codable {
    case fp32, bf16

    /// The precision of the products run in the current scope (fp32 outside any `withValue`).
    @TaskLocal public static var current: Precision = .fp32

    /// Tests only: the significant bits (the implicit one included; bf16 has 8) that each operand of a bf16-scope
    /// product keeps. Fewer emulate a coarser kernel, more a finer one (`BF16GEMM` rounds the operands to them,
    /// then runs its kernel or the fp32 GEMM), so that a whole-model test can measure how its error scales with
    /// the bits and show that its tolerance catches a kernel that kept fewer. `Parallel`'s workers run with the
    /// caller's value, as with `current`.
    @TaskLocal package static var operandBits: Int = 8
}
