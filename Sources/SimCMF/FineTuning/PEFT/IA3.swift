import Autodiff
import TensorCore
import TensorKernels

/// IA³ ("Infused Adapter by Inhibiting and Amplifying Inner Activations", Liu et al., 2022): a learned vector
/// that rescales a projection's outputs elementwise, `y = l ⊙ base(x)`. Initialised to ones, so the wrapped
/// model starts exactly as it was; it adds one value per output feature and no matrix.
public final class IA3Linear: Projection {
    public let base: Linear
    /// `{prefix}.ia3_{k,v}` `[out]`.
    public let scale: Parameter

    public init(base: Linear, name: String) {
        self.base = base
        scale = Parameter(name, .ones([base.weight.value.shape[0]]))
    }

    public var addedParameters: [Parameter] { [scale] }
    /// `x [..., in]` → `[..., out]`.
    public func callAsFunction(_ x: Variable) -> Variable { base(x) * scale.variable }
}

/// IA³ on the keys and values of a fused `qkv` Linear(dim → 3·dim): the queries pass unscaled, keys by
/// `{prefix}.ia3_k [dim]`, values by `{prefix}.ia3_v [dim]`, laid out as the fused output (`LoRAFusedQKV.Layout`),
/// so the attention still reads q, k and v in place.
public final class IA3FusedQKV: Projection {
    public let base: Linear
    public let keyScale: Parameter
    public let valueScale: Parameter
    public let layout: LoRAFusedQKV.Layout

    public init(base: Linear, prefix: String, layout: LoRAFusedQKV.Layout) {
        let dim = base.weight.value.shape[0] / 3
        self.base = base
        self.layout = layout
        keyScale = Parameter(dotted(prefix, "ia3_k"), .ones([dim]))
        valueScale = Parameter(dotted(prefix, "ia3_v"), .ones([dim]))
    }

    public var addedParameters: [Parameter] { [keyScale, valueScale] }

    /// `x [..., dim]` → `[..., 3·dim]`.
    public func callAsFunction(_ x: Variable) -> Variable {
        let dim = keyScale.value.count
        let parts = [Variable(.ones([dim])), keyScale.variable, valueScale.variable]
        switch layout {
        case .tokenMajor:
            return base(x) * Variable.concat(parts, axis: 0)
        case let .headMajor(heads):
            // Per head its (q | k | v), each dim / heads wide: [heads, 3, kd] flattened.
            let stacked = Variable.concat(parts.map { $0.reshaped([heads, 1, dim / heads]) }, axis: 1)
            return base(x) * stacked.reshaped([3 * dim])
        }
    }
}
