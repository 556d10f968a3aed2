import TensorCore
import TensorKernels

/// Basic layers holding named `Parameter`s. Names are `prefix + ".weight"` etc., matching PyTorch
/// state-dict keys. Default initialisation follows PyTorch: weights and biases `U(−1/√fanIn, 1/√fanIn)`
/// (kaiming-uniform with a = √5), norms `w = 1, b = 0`.

/// Joins a dotted prefix and a leaf name.
@inlinable public func dotted(_ prefix: String, _ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }

/// `y = x·Wᵀ + b`, `W [out, in]`.
public final class Linear: Module {
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ prefix: String, inFeatures: Int, outFeatures: Int, bias: Bool = true, generator: inout SeededGenerator) {
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Parameter(dotted(prefix, "weight"), Tensor.uniform([outFeatures, inFeatures], low: -bound, high: bound, using: &generator))
        self.bias = bias ? Parameter(dotted(prefix, "bias"), Tensor.uniform([outFeatures], low: -bound, high: bound, using: &generator)) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }
    public func callAsFunction(_ x: Variable) -> Variable { linear(x, weight.variable, bias?.variable) }
}

/// `nn.LayerNorm(D, eps)` over the last axis.
public final class LayerNormLayer: Module {
    public let weight: Parameter, bias: Parameter
    public let eps: Float

    public init(_ prefix: String, dim: Int, eps: Float = 1e-5) {
        weight = Parameter(dotted(prefix, "weight"), .ones([dim]))
        bias = Parameter(dotted(prefix, "bias"), .zeros([dim]))
        self.eps = eps
    }

    public var parameters: [Parameter] { [weight, bias] }
    public func callAsFunction(_ x: Variable) -> Variable { layerNorm(x, weight.variable, bias.variable, eps: eps) }
}

/// `nn.Conv2d` with square kernels; `W [out, in/groups, k, k]`.
public final class Conv2dLayer: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public let geometry: Conv2dGeometry

    public init(_ prefix: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, generator: inout SeededGenerator) {
        let fanIn = inChannels / groups * kernel * kernel
        let bound = 1 / Float(fanIn).squareRoot()
        weight = Parameter(dotted(prefix, "weight"),
                           Tensor.uniform([outChannels, inChannels / groups, kernel, kernel], low: -bound, high: bound, using: &generator))
        self.bias = bias ? Parameter(dotted(prefix, "bias"), Tensor.uniform([outChannels], low: -bound, high: bound, using: &generator)) : nil
        geometry = Conv2dGeometry(stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }
    public func callAsFunction(_ x: Variable) -> Variable {
        conv2d(x, weight.variable, bias?.variable, stride: geometry.stride, padding: geometry.padding,
               dilation: geometry.dilation, groups: geometry.groups)
    }
}

extension Module {
    /// Copies values from `state` by name; every parameter must be present with its shape.
    /// Throws one error listing every missing or misshapen tensor.
    public func load(_ state: [String: Tensor]) throws {
        var problems: [String] = []
        for p in parameters {
            guard let t = state[p.name] else { problems.append("missing \(p.name)"); continue }
            guard t.shape == p.value.shape else { problems.append("\(p.name): shape \(t.shape), expected \(p.value.shape)"); continue }
            p.value = t
        }
        if !problems.isEmpty { throw ModuleLoadError(problems: problems) }
    }
}

public struct ModuleLoadError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String { "cannot load parameters: " + problems.joined(separator: "; ") }
}
