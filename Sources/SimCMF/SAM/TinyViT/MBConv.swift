import Autodiff
import TensorCore

/// TinyViT's inverted-residual block (`MBConv`): 1×1 expand → GELU → 3×3 depthwise → GELU → 1×1
/// project, plus the input, then GELU. `x [B, C, H, W]` → `[B, C, H, W]` (drop path is 0 in SAM).
public final class MBConv: Module {
    public let conv1: Conv2dBatchNorm
    public let conv2: Conv2dBatchNorm
    public let conv3: Conv2dBatchNorm

    public init(_ prefix: String, channels: Int, expandRatio: Double, generator: inout SeededGenerator) {
        let hidden = Int(Double(channels) * expandRatio)
        conv1 = Conv2dBatchNorm(dotted(prefix, "conv1"), inChannels: channels, outChannels: hidden, generator: &generator)
        conv2 = Conv2dBatchNorm(dotted(prefix, "conv2"), inChannels: hidden, outChannels: hidden, kernel: 3, padding: 1,
                                groups: hidden, generator: &generator)
        conv3 = Conv2dBatchNorm(dotted(prefix, "conv3"), inChannels: hidden, outChannels: channels, bnWeightInit: 0,
                                generator: &generator)
    }

    public var parameters: [Parameter] { conv1.parameters + conv2.parameters + conv3.parameters }
    public var buffers: [Parameter] { conv1.buffers + conv2.buffers + conv3.buffers }

    public func callAsFunction(_ x: Variable, mode: BatchNormMode) -> Variable {
        // conv3(gelu(conv2(gelu(conv1(x))))), each GELU recomputed in backward rather than kept
        let y = Conv2dBatchNorm.geluSeparated([conv1, conv2, conv3], x, mode: mode)
        return gelu(y + x)
    }
}
