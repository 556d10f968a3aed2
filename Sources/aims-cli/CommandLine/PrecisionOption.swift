import TensorCore

extension Option where Value == Precision {
    /// `--precision fp32|bf16`, shared by the commands that run a model: the arithmetic of its linear
    /// layers' products (docs/PERFORMANCE.md, "bf16"); fp32 until accuracy evidence says otherwise.
    static var precision: Option<Precision> {
        Option("precision", ValueType<Precision>.cases, default: .fp32,
               help: "linear layers' products: fp32, or bf16 operands with fp32 accumulation")
    }
}
