import TensorCore

extension Option where Value == Precision {
    /// `--precision fp32|bf16`, shared by the commands that run a model: the arithmetic of its linear layers',
    /// convolutions' (all but depthwise) and attention's products (docs/PERFORMANCE.md, "bf16"); fp32 until
    /// accuracy evidence says otherwise.
    static var precision: Option<Precision> {
        Option("precision", ValueType<Precision>.cases, default: .fp32,
               help: "linear layers', convolutions' (not depthwise) and attention's products: fp32, or bf16\noperands with fp32 accumulation")
    }

    /// `aims train --precision fp32|bf16`: the products of every training step and validation; the weights,
    /// Adam's state, norms, softmax and the loss stay fp32. No declared default: absent on `--resume` means the
    /// run's recorded precision (a new run: fp32).
    static var trainingPrecision: Option<Precision> {
        Option("precision", ValueType<Precision>.cases, defaultText: "fp32; on --resume the run's",
               help: "the products of every step and validation (linear layers, convolutions, attention):\n"
                 + "fp32, or bf16 operands with fp32 accumulation (weights, Adam state, norms, softmax and\n"
                 + "loss stay fp32); recorded in config.json, kept by --resume")
    }
}
