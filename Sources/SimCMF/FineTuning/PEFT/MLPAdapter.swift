import Autodiff
import TensorCore

/// The reference's `Adapter(d, r, scale)` (`{prefix}.Adapter_mlp.{down,up}_proj.{weight,bias}`):
/// `up(ReLU(down(x))) · scale`, no internal residual. down: kaiming-uniform(a = √5) weight, zero bias;
/// up: zero weight and bias, so the adapter starts as a no-op.
public final class MLPAdapter: Module {
    public let down: Linear
    public let up: Linear
    public let scale: Float

    public init(_ prefix: String, dim: Int, hiddenDim: Int, scale: Float = 0.1, generator: inout SeededGenerator) {
        let root = dotted(prefix, "Adapter_mlp")
        down = Linear(dotted(root, "down_proj"), inFeatures: dim, outFeatures: hiddenDim, generator: &generator)
        down.bias!.value = .zeros([hiddenDim])
        up = Linear(dotted(root, "up_proj"), inFeatures: hiddenDim, outFeatures: dim, generator: &generator)
        up.weight.value = .zeros([dim, hiddenDim])
        up.bias!.value = .zeros([dim])
        self.scale = scale
    }

    public var parameters: [Parameter] { down.parameters + up.parameters }

    /// `x [..., dim]` → `[..., dim]`.
    public func callAsFunction(_ x: Variable) -> Variable { up(relu(down(x))) * scale }
}

/// The reference's adapter placement (docs/REFERENCE.md §4) as a wrapper around a block's MLP path:
/// `base(h) + adapter(h)`, the adapter reading the stream before `norm2` — in the ViT
/// `h + mlp(norm2(h)) + adapter(h)`, in the decoder `norm2(t) + mlp(norm2(t)) + adapter(t)` before `norm3`.
public final class AdapterMLPPath: MLPPath {
    public let base: any MLPPath
    public let adapter: MLPAdapter

    public init(base: any MLPPath, adapter: MLPAdapter) { self.base = base; self.adapter = adapter }

    public var addedParameters: [Parameter] { base.addedParameters + adapter.parameters }
    public func callAsFunction(_ h: Variable) -> Variable { base(h) + adapter(h) }
}
