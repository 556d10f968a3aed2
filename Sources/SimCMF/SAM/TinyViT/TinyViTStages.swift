import Autodiff
import TensorCore

/// Stage 0 (`ConvLayer`): MBConv blocks, then an optional PatchMerging.
/// `x [B, C, H, W]` → `[B, C', H', W']` (channels-first throughout).
public final class TinyViTConvStage: Module {
    public let blocks: [MBConv]
    public let downsample: PatchMerging?

    public init(_ prefix: String, dim: Int, depth: Int, expandRatio: Double, downsampleTo outDim: Int?, mergeStride: Int,
                generator: inout SeededGenerator) {
        var g = generator
        blocks = (0..<depth).map { MBConv(dotted(prefix, "blocks.\($0)"), channels: dim, expandRatio: expandRatio, generator: &g) }
        downsample = outDim.map { PatchMerging(dotted(prefix, "downsample"), dim: dim, outDim: $0, stride: mergeStride, generator: &g) }
        generator = g
    }

    public var parameters: [Parameter] { blocks.flatMap(\.parameters) + (downsample?.parameters ?? []) }
    public var buffers: [Parameter] { blocks.flatMap(\.buffers) + (downsample?.buffers ?? []) }

    public func callAsFunction(_ x: Variable, mode: BatchNormMode) -> Variable {
        var y = x
        for b in blocks { y = b(y, mode: mode) }
        if let downsample { y = downsample(y, mode: mode) }
        return y
    }
}

/// An attention stage (`BasicLayer`): TinyViT blocks on tokens, then an optional PatchMerging.
/// `x [B, C, H, W]` → `[B, C', H', W']` (tokens `[B, H, W, C]` inside).
public final class TinyViTAttentionStage: Module {
    public let blocks: [TinyViTBlock]
    public let downsample: PatchMerging?

    public init(_ prefix: String, dim: Int, depth: Int, heads: Int, windowSize: Int, mlpRatio: Double, localConvSize: Int,
                downsampleTo outDim: Int?, mergeStride: Int, generator: inout SeededGenerator) {
        var g = generator
        blocks = (0..<depth).map {
            TinyViTBlock(dotted(prefix, "blocks.\($0)"), dim: dim, heads: heads, windowSize: windowSize, mlpRatio: mlpRatio,
                         localConvSize: localConvSize, generator: &g)
        }
        downsample = outDim.map { PatchMerging(dotted(prefix, "downsample"), dim: dim, outDim: $0, stride: mergeStride, generator: &g) }
        generator = g
    }

    public var parameters: [Parameter] { blocks.flatMap(\.parameters) + (downsample?.parameters ?? []) }
    public var buffers: [Parameter] { blocks.flatMap(\.buffers) + (downsample?.buffers ?? []) }

    public func callAsFunction(_ x: Variable, mode: BatchNormMode) -> Variable {
        var t = x.permuted([0, 2, 3, 1])
        for b in blocks { t = b(t, mode: mode) }
        let y = t.permuted([0, 3, 1, 2])
        return downsample.map { $0(y, mode: mode) } ?? y
    }
}

/// SAM's neck on TinyViT: `neck.0` conv 1×1 (no bias) → `neck.1` LayerNorm2d (eps 1e-6) →
/// `neck.2` conv 3×3 padding 1 (no bias) → `neck.3` LayerNorm2d. `x [B, C, H, W]` → `[B, out, H, W]`.
public final class TinyViTNeck: Module {
    public let conv1: Parameter, norm1Weight: Parameter, norm1Bias: Parameter
    public let conv2: Parameter, norm2Weight: Parameter, norm2Bias: Parameter
    public let eps: Float = 1e-6

    public init(_ prefix: String, inChannels: Int, outChannels: Int, generator: inout SeededGenerator) {
        let b1 = 1 / Float(inChannels).squareRoot(), b2 = 1 / Float(outChannels * 9).squareRoot()
        conv1 = Parameter(dotted(prefix, "0.weight"), .uniform([outChannels, inChannels, 1, 1], low: -b1, high: b1, using: &generator))
        norm1Weight = Parameter(dotted(prefix, "1.weight"), .ones([outChannels]))
        norm1Bias = Parameter(dotted(prefix, "1.bias"), .zeros([outChannels]))
        conv2 = Parameter(dotted(prefix, "2.weight"), .uniform([outChannels, outChannels, 3, 3], low: -b2, high: b2, using: &generator))
        norm2Weight = Parameter(dotted(prefix, "3.weight"), .ones([outChannels]))
        norm2Bias = Parameter(dotted(prefix, "3.bias"), .zeros([outChannels]))
    }

    public var parameters: [Parameter] { [conv1, norm1Weight, norm1Bias, conv2, norm2Weight, norm2Bias] }

    public func callAsFunction(_ x: Variable) -> Variable {
        var y = layerNorm2d(conv2d(x, conv1.variable), norm1Weight.variable, norm1Bias.variable, eps: eps)
        y = conv2d(y, conv2.variable, padding: 1)
        return layerNorm2d(y, norm2Weight.variable, norm2Bias.variable, eps: eps)
    }
}
