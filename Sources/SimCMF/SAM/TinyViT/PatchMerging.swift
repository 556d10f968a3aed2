import Autodiff
import TensorCore

/// TinyViT's `PatchMerging`: 1×1 Conv2d_BN (dim → outDim) → GELU → 3×3 depthwise Conv2d_BN with
/// `stride` (2 halves the grid; 1 for outDim ∈ {320, 448, 576} in `tiny_vit_sam.py`) → GELU → 1×1 Conv2d_BN.
/// `x [B, dim, H, W]` → `[B, outDim, H', W']` with `H' = (H − 1) / stride + 1`.
public final class PatchMerging: Module {
    public let conv1: Conv2dBatchNorm
    public let conv2: Conv2dBatchNorm
    public let conv3: Conv2dBatchNorm
    public let stride: Int

    public init(_ prefix: String, dim: Int, outDim: Int, stride: Int, generator: inout SeededGenerator) {
        self.stride = stride
        conv1 = Conv2dBatchNorm(dotted(prefix, "conv1"), inChannels: dim, outChannels: outDim, generator: &generator)
        conv2 = Conv2dBatchNorm(dotted(prefix, "conv2"), inChannels: outDim, outChannels: outDim, kernel: 3, stride: stride,
                                padding: 1, groups: outDim, generator: &generator)
        conv3 = Conv2dBatchNorm(dotted(prefix, "conv3"), inChannels: outDim, outChannels: outDim, generator: &generator)
    }

    public var parameters: [Parameter] { conv1.parameters + conv2.parameters + conv3.parameters }
    public var buffers: [Parameter] { conv1.buffers + conv2.buffers + conv3.buffers }

    public func callAsFunction(_ x: Variable, mode: BatchNormMode) -> Variable {
        Conv2dBatchNorm.geluSeparated([conv1, conv2, conv3], x, mode: mode)
    }
}
