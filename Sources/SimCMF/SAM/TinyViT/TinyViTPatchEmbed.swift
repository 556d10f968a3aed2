import Autodiff
import TensorCore

/// TinyViT's `PatchEmbed`: `seq.0` Conv2d_BN (in → dim/2) → GELU → `seq.2` Conv2d_BN (dim/2 → dim).
/// `.pointwise` (LiteMedSAM): 1×1, stride 1, `x [B, in, H, W]` → `[B, dim, H, W]`;
/// `.strided3x3` (MobileSAM): 3×3, stride 2, padding 1 each → `[B, dim, ⌈H/4⌉, ⌈W/4⌉]`.
public final class TinyViTPatchEmbed: Module {
    public let conv1: Conv2dBatchNorm
    public let conv2: Conv2dBatchNorm

    public init(_ prefix: String, inChannels: Int, embedDim: Int, stem: TinyViTConfiguration.Stem, generator: inout SeededGenerator) {
        let (k, s, p) = stem == .pointwise ? (1, 1, 0) : (3, 2, 1)
        conv1 = Conv2dBatchNorm(dotted(prefix, "seq.0"), inChannels: inChannels, outChannels: embedDim / 2, kernel: k, stride: s,
                                padding: p, generator: &generator)
        conv2 = Conv2dBatchNorm(dotted(prefix, "seq.2"), inChannels: embedDim / 2, outChannels: embedDim, kernel: k, stride: s,
                                padding: p, generator: &generator)
    }

    public var parameters: [Parameter] { conv1.parameters + conv2.parameters }
    public var buffers: [Parameter] { conv1.buffers + conv2.buffers }

    public func callAsFunction(_ x: Variable, mode: BatchNormMode) -> Variable {
        Conv2dBatchNorm.geluSeparated([conv1, conv2], x, mode: mode)
    }
}
