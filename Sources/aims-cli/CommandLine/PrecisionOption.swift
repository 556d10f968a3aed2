import TensorCore

extension Option where Value == Precision {
    /// `--precision fp32|bf16`, shared by the commands that run a model: the arithmetic of its linear layers',
    /// 1×1 convolutions' and attention's products (docs/PERFORMANCE.md, "bf16"); fp32 until accuracy evidence
    /// says otherwise.
    static var precision: Option<Precision> {
        Option("precision", ValueType<Precision>.cases, default: .fp32,
               help: "linear layers', 1x1 convolutions' and attention's products: fp32, or bf16 operands\nwith fp32 accumulation")
    }
}
