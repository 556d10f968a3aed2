import Autodiff
import TensorCore
import TensorKernels

/// How BatchNorm layers run.
public enum BatchNormMode: Sendable, Equatable {
    /// Batch statistics; the running statistics are updated (momentum 0.1, unbiased variance), as `model.train()`.
    case training
    /// Running statistics, as `model.eval()`.
    case evaluation
    /// Running statistics folded into the conv (`Conv2d_BN.fuse()`): `W' = W·γ/√(σ²+ε)`,
    /// `b' = β − μ·γ/√(σ²+ε)`. The same function and the same gradients as `.evaluation`, one pass fewer.
    case evaluationFolded
}

/// TinyViT's `Conv2d_BN`: a bias-free `Conv2d` (`<prefix>.c.weight [out, in/groups, k, k]`) followed by
/// `BatchNorm2d(out)` (`<prefix>.bn.{weight,bias}`; buffers `<prefix>.bn.{running_mean,running_var}`; eps 1e-5).
/// `x [B, in, H, W]` → `[B, out, H', W']`.
public final class Conv2dBatchNorm: Module {
    public let convWeight: Parameter
    public let bnWeight: Parameter
    public let bnBias: Parameter
    /// Buffers (never trainable): the running statistics.
    public let runningMean: Parameter
    public let runningVar: Parameter
    public let geometry: Conv2dGeometry
    public let eps: Float = 1e-5
    public let momentum: Float = Conv2dBatchNorm.runningMomentum
    /// The running statistics' update `r ← (1 − m)·r + m·batch statistic`, PyTorch's default m = 0.1.
    public static let runningMomentum: Float = 0.1

    public init(_ prefix: String, inChannels: Int, outChannels: Int, kernel: Int = 1, stride: Int = 1, padding: Int = 0,
                groups: Int = 1, bnWeightInit: Float = 1, generator: inout SeededGenerator) {
        let fanIn = inChannels / groups * kernel * kernel
        let bound = 1 / Float(fanIn).squareRoot()
        convWeight = Parameter(dotted(prefix, "c.weight"),
                               Tensor.uniform([outChannels, inChannels / groups, kernel, kernel], low: -bound, high: bound, using: &generator))
        bnWeight = Parameter(dotted(prefix, "bn.weight"), .full([outChannels], bnWeightInit))
        bnBias = Parameter(dotted(prefix, "bn.bias"), .zeros([outChannels]))
        runningMean = Parameter(dotted(prefix, "bn.running_mean"), .zeros([outChannels]), trainable: false)
        runningVar = Parameter(dotted(prefix, "bn.running_var"), .ones([outChannels]), trainable: false)
        geometry = Conv2dGeometry(stride: stride, padding: padding, groups: groups)
    }

    public var parameters: [Parameter] { [convWeight, bnWeight, bnBias] }
    public var buffers: [Parameter] { [runningMean, runningVar] }
    public var outChannels: Int { convWeight.value.shape[0] }

    public func callAsFunction(_ x: Variable, mode: BatchNormMode) -> Variable {
        switch mode {
        case .training, .evaluation:
            return convThenBatchNorm(x, training: mode == .training, gelu: false)
        case .evaluationFolded:
            let (w, b) = foldedVariables()
            return conv2d(x, w, b, stride: geometry.stride, padding: geometry.padding, groups: geometry.groups)
        }
    }

    /// `gelu(self(x, mode:))`. With batch statistics the BatchNorm and the GELU are one op
    /// (`batchNorm2d(…, gelu: true)`): the normalised values are recomputed in backward, never kept.
    public func followedByGELU(_ x: Variable, mode: BatchNormMode) -> Variable {
        guard mode == .training else { return gelu(self(x, mode: mode)) }
        return convThenBatchNorm(x, training: true, gelu: true)
    }

    /// The bias-free conv, then BatchNorm (`gelu`: with the GELU fused, batch statistics only).
    private func convThenBatchNorm(_ x: Variable, training: Bool, gelu: Bool) -> Variable {
        let y = conv2d(x, convWeight.variable, nil, stride: geometry.stride, padding: geometry.padding, groups: geometry.groups)
        return batchNorm2d(y, bnWeight.variable, bnBias.variable, runningMean: &runningMean.value, runningVar: &runningVar.value,
                           training: training, momentum: momentum, eps: eps, gelu: gelu)
    }

    /// `layers[n − 1](gelu(… gelu(layers[0](x))))`: Conv2d_BN layers with a GELU between each pair, as
    /// TinyViT's patch embedding, MBConv and PatchMerging chain them. With batch statistics each GELU
    /// joins the BatchNorm before it (`followedByGELU(_:mode:)`); folded, it runs inside the
    /// conv after it (`callAsFunction(geluOf:mode:)`), so neither keeps a tensor for the GELU alone.
    public static func geluSeparated(_ layers: [Conv2dBatchNorm], _ x: Variable, mode: BatchNormMode) -> Variable {
        var h = x
        for (i, layer) in layers.enumerated() {
            if mode == .training {
                h = i == layers.count - 1 ? layer(h, mode: mode) : layer.followedByGELU(h, mode: mode)
            } else {
                h = i == 0 ? layer(h, mode: mode) : layer(geluOf: h, mode: mode)
            }
        }
        return h
    }

    /// `self(gelu(x), mode:)`. Folded, it keeps `x` rather than GELU's output (`conv2d(geluOf:)`: recomputed
    /// in backward); with batch statistics it is the plain composition.
    public func callAsFunction(geluOf x: Variable, mode: BatchNormMode) -> Variable {
        guard mode == .evaluationFolded else { return self(gelu(x), mode: mode) }
        let (w, b) = foldedVariables()
        return conv2d(geluOf: x, w, b, stride: geometry.stride, padding: geometry.padding, groups: geometry.groups)
    }

    /// The same layer on channels-last tokens `x [B, H, W, in]` → `[B, H', W', out]`. A depthwise conv in
    /// `.evaluationFolded` mode runs the channels-last kernel directly (no permutes); otherwise the
    /// NCHW path between two permutes.
    public func channelsLast(_ x: Variable, mode: BatchNormMode) -> Variable {
        let depthwise = geometry.groups == outChannels && convWeight.value.shape[1] == 1 && x.shape.count == 4 && x.shape[3] == outChannels
        if mode == .evaluationFolded && depthwise && geometry.dilation == 1 {
            let (w, b) = foldedVariables()
            return depthwiseConv2dNHWC(x, w, b, stride: geometry.stride, padding: geometry.padding)
        }
        return self(x.permuted([0, 3, 1, 2]), mode: mode).permuted([0, 2, 3, 1])
    }

    /// The fused conv's weight `[out, in/groups, k, k]` and bias `[out]` (`Conv2d_BN.fuse()`).
    public func folded() -> (weight: Tensor, bias: Tensor) {
        withoutGradients { let (w, b) = foldedVariables(); return (w.value, b.value) }
    }

    /// Differentiable in the conv weight and γ, β (the running statistics are constants).
    private func foldedVariables() -> (Variable, Variable) {
        let C = outChannels
        let rstd = Tensor(shape: [C], values: runningVar.value.scalars.map { 1 / ($0 + eps).squareRoot() })
        let scale = bnWeight.variable * Variable(rstd)                                   // γ/√(σ²+ε)
        let w = convWeight.variable * scale.reshaped([C, 1, 1, 1])
        let b = bnBias.variable - Variable(runningMean.value) * scale
        return (w, b)
    }
}
