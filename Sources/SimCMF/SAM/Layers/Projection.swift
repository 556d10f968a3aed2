import Autodiff

/// A swappable per-token projection `x [..., in]` → `[..., out]`: a layer's `Linear` child as its forward
/// sees it. Plain SAM uses the `Linear` itself; a fine-tuning strategy swaps in a wrapper around it
/// (`LoRALinear`, `LoRAFusedQKV`) without the layer knowing, as mlx-swift's `Module.update(modules:)`
/// lets LoRA replace a `Linear`.
///
/// The official tensors stay on the wrapped `Linear` (the layer registers them where the reference's state
/// dict has them); the wrapper's own tensors are `addedParameters`, which the layer registers after its
/// official children, in the reference's order.
public protocol Projection: AnyObject {
    func callAsFunction(_ x: Variable) -> Variable
    /// Tensors the wrapper adds (none for a plain `Linear`).
    var addedParameters: [Parameter] { get }
}

extension Linear: Projection {
    public var addedParameters: [Parameter] { [] }
}
