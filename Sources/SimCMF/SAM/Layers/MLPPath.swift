import Autodiff

/// A swappable MLP path of a transformer block: the stream after the block's attention residual, `h [..., d]`
/// → the sum the block carries on: `h + mlp(norm2(h))` in the ViT (`ViTMLPPath`), `norm2(h) + mlp(norm2(h))`
/// before `norm3` in the mask decoder (`DecoderMLPPath`). A fine-tuning strategy swaps in a wrapper
/// (`AdapterMLPPath`) that adds a term reading `h`, without the block knowing.
///
/// The official tensors stay on the block's own `norm2`/`mlp` children; a wrapper's tensors are
/// `addedParameters`, which the block registers after its official children (the reference's order).
public protocol MLPPath: AnyObject {
    func callAsFunction(_ h: Variable) -> Variable
    /// Tensors the wrapper adds (none for the plain path).
    var addedParameters: [Parameter] { get }
}

/// The ViT block's plain path: `h + mlp(norm2(h))`.
public final class ViTMLPPath: MLPPath {
    public let norm2: LayerNormLayer
    public let mlp: ViTMLP
    public init(norm2: LayerNormLayer, mlp: ViTMLP) { self.norm2 = norm2; self.mlp = mlp }
    public var addedParameters: [Parameter] { [] }
    public func callAsFunction(_ h: Variable) -> Variable { h + mlp(norm2(h)) }
}

/// The two-way decoder block's plain path: `n + lin2(ReLU(lin1(n)))` with `n = norm2(h)` (before `norm3`).
public final class DecoderMLPPath: MLPPath {
    public let norm2: LayerNormLayer
    public let lin1: Linear, lin2: Linear
    public init(norm2: LayerNormLayer, lin1: Linear, lin2: Linear) { self.norm2 = norm2; self.lin1 = lin1; self.lin2 = lin2 }
    public var addedParameters: [Parameter] { [] }
    public func callAsFunction(_ h: Variable) -> Variable {
        let n = norm2(h)
        return n + lin2(relu(lin1(n)))
    }
}
