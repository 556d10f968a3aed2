import Autodiff
import TensorCore

/// SAM's `LayerNorm2d(C, eps=1e-6)`: normalises `x [B, C, H, W]` over C per pixel, then `w[c]·x + b[c]`.
public final class LayerNorm2d: Module {
    public let weight: Parameter, bias: Parameter
    public let eps: Float

    public init(_ prefix: String, channels: Int, eps: Float = 1e-6) {
        weight = Parameter(dotted(prefix, "weight"), .ones([channels]))
        bias = Parameter(dotted(prefix, "bias"), .zeros([channels]))
        self.eps = eps
    }

    public var parameters: [Parameter] { [weight, bias] }
    public func callAsFunction(_ x: Variable) -> Variable { layerNorm2d(x, weight.variable, bias.variable, eps: eps) }
}

/// `nn.ConvTranspose2d(in, out, kernel_size=s, stride=s)`: `x [B, in, H, W]` → `[B, out, H·s, W·s]`;
/// weight `[in, out, s, s]` (PyTorch's layout), bias `[out]`.
public final class ConvTranspose2dLayer: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let stride: Int

    public init(_ prefix: String, inChannels: Int, outChannels: Int, stride: Int, generator: inout SeededGenerator) {
        // PyTorch's fan-in for a transposed conv is weight.size(1)·k·k = out·s·s.
        let bound = 1 / Float(outChannels * stride * stride).squareRoot()
        weight = Parameter(dotted(prefix, "weight"),
                           Tensor.uniform([inChannels, outChannels, stride, stride], low: -bound, high: bound, using: &generator))
        bias = Parameter(dotted(prefix, "bias"), Tensor.uniform([outChannels], low: -bound, high: bound, using: &generator))
        self.stride = stride
    }

    public var parameters: [Parameter] { [weight, bias] }
    public func callAsFunction(_ x: Variable) -> Variable { convTranspose2d(x, weight.variable, bias.variable, stride: stride) }
}

/// An `nn.Embedding(count, dim)` table `weight [count, dim]` (SAM reads whole rows, never indexes).
public final class EmbeddingTable: Module {
    public let weight: Parameter

    public init(_ prefix: String, count: Int, dim: Int, generator: inout SeededGenerator) {
        weight = Parameter(dotted(prefix, "weight"), Tensor.normal([count, dim], using: &generator))
    }

    public var parameters: [Parameter] { [weight] }
}

/// segment-anything's mask-decoder `MLP`: `num_layers` linears with ReLU between them
/// (`layers.0 … layers.{n−1}`); `x [..., in]` → `[..., out]`.
public final class SAMMLP: Module {
    public let layers: [Linear]

    public init(_ prefix: String, inputDim: Int, hiddenDim: Int, outputDim: Int, layerCount: Int, generator: inout SeededGenerator) {
        let dims = [inputDim] + [Int](repeating: hiddenDim, count: layerCount - 1) + [outputDim]
        layers = (0..<layerCount).map { i in
            Linear(dotted(prefix, "layers.\(i)"), inFeatures: dims[i], outFeatures: dims[i + 1], generator: &generator)
        }
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public func callAsFunction(_ x: Variable) -> Variable {
        var y = x
        for (i, layer) in layers.enumerated() {
            y = layer(y)
            if i < layers.count - 1 { y = relu(y) }
        }
        return y
    }
}
