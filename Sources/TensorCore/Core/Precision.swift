/// The arithmetic of the products that dominate a model (linear layers, 1×1 convolutions, attention's `q·kᵀ`
/// and `P·v` and their gradients): `fp32`, or `bf16` operands with fp32 accumulation as `torch.autocast` runs
/// them (docs/PERFORMANCE.md, "bf16").
/// Everything else (softmax, norms, GELU, losses, optimizer state, master weights) stays fp32 either way.
///
/// The setting is scoped, not global: `Precision.$current.withValue(.bf16) { ... }` runs a model's
/// forward or step in bf16 on the calling thread and on every worker `Parallel` hands its chunks to.
public enum Precision: String, Sendable, CaseIterable, Codable {
    case fp32, bf16

    /// The precision of the products run in the current scope (fp32 outside any `withValue`).
    @TaskLocal public static var current: Precision = .fp32
}
