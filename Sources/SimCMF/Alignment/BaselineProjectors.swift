import Autodiff
import TensorCore

/// `baseline_a`: a new, randomly initialised Conv2d(C, D, p, p) (`image_encoder.projector.patch_embedding`)
/// replacing SAM's patch embedding. `196608C + 768` parameters for vit_b.
public final class BaselineAProjector: AlignmentModule {
    public let kind = AlignmentKind.baselineA
    public let inChannels: Int
    public let patchEmbedding: Conv2dLayer

    public init(channels c: Int, embedDim: Int, patchSize p: Int, generator: inout SeededGenerator) {
        inChannels = c
        patchEmbedding = Conv2dLayer(dotted(projectorPrefix, "patch_embedding"), inChannels: c, outChannels: embedDim, kernel: p,
                                     stride: p, generator: &generator)
    }

    public var parameters: [Parameter] { patchEmbedding.parameters }

    public func tokens(_ image: Variable, patchEmbed: Conv2dLayer) throws -> Variable {
        try validate(image, patchSize: patchEmbedding.geometry.stride)
        return patchEmbedding(image).permuted([0, 2, 3, 1])
    }
}

/// `baseline_b`: `zip_rgbx` = Conv3×3(C→4C, pad 1) → ReLU → Conv1×1(4C→3), then a trainable copy of the
/// pretrained patch embedding (`patch_embedding`). `36C² + 16C + 3 + 590592` parameters for vit_b.
///
/// The reference gives the 1×1 conv `padding=1` (docs/REFERENCE.md §9.2): a (H+2)×(W+2) image whose
/// bias-only border shifts the patch grid by one pixel (the last row/column of patches is dropped by the
/// stride). That is available as `paddingBug: true` for checkpoint compatibility; the default is the
/// evidently intended `padding=0`. Weights are interchangeable between the two.
public final class BaselineBProjector: AlignmentModule {
    public let kind = AlignmentKind.baselineB
    public let inChannels: Int
    public let zip0: Conv2dLayer
    public let zip2: Conv2dLayer
    public let patchEmbedding: Conv2dLayer
    public let paddingBug: Bool

    public init(channels c: Int, patchEmbed: Conv2dLayer, pretrained: Bool, uniformInit: Bool, paddingBug: Bool,
                generator: inout SeededGenerator) {
        inChannels = c
        self.paddingBug = paddingBug
        zip0 = Conv2dLayer(dotted(projectorPrefix, "zip_rgbx.0"), inChannels: c, outChannels: 4 * c, kernel: 3, padding: 1, generator: &generator)
        zip2 = Conv2dLayer(dotted(projectorPrefix, "zip_rgbx.2"), inChannels: 4 * c, outChannels: 3, kernel: 1,
                           padding: paddingBug ? 1 : 0, generator: &generator)
        if uniformInit {
            zip0.weight.value = Tensor.uniform(zip0.weight.value.shape, low: 0, high: 1, using: &generator)
            zip0.bias!.value = .zeros([4 * c])
            zip2.weight.value = Tensor.uniform(zip2.weight.value.shape, low: 0, high: 1, using: &generator)
            zip2.bias!.value = .zeros([3])
        }
        patchEmbedding = patchEmbeddingCopy(dotted(projectorPrefix, "patch_embedding"), of: patchEmbed, pretrained: pretrained,
                                            generator: &generator)
    }

    public var parameters: [Parameter] { zip0.parameters + zip2.parameters + patchEmbedding.parameters }

    public func tokens(_ image: Variable, patchEmbed: Conv2dLayer) throws -> Variable {
        try validate(image, patchSize: patchEmbedding.geometry.stride)
        return patchEmbedding(zip2(relu(zip0(image)))).permuted([0, 2, 3, 1])
    }
}

/// `baseline_c`: Conv1×1(C→3) (`zip_rgbx`), then a trainable copy of the pretrained patch embedding
/// (`patch_embedding`). `3C + 3 + 590592` parameters for vit_b.
public final class BaselineCProjector: AlignmentModule {
    public let kind = AlignmentKind.baselineC
    public let inChannels: Int
    public let zipRGBX: Conv2dLayer
    public let patchEmbedding: Conv2dLayer

    public init(channels c: Int, patchEmbed: Conv2dLayer, pretrained: Bool, uniformInit: Bool, generator: inout SeededGenerator) {
        inChannels = c
        zipRGBX = SimCMF.zipRGBX(dotted(projectorPrefix, "zip_rgbx"), channels: c, uniformInit: uniformInit, generator: &generator)
        patchEmbedding = patchEmbeddingCopy(dotted(projectorPrefix, "patch_embedding"), of: patchEmbed, pretrained: pretrained,
                                            generator: &generator)
    }

    public var parameters: [Parameter] { zipRGBX.parameters + patchEmbedding.parameters }

    public func tokens(_ image: Variable, patchEmbed: Conv2dLayer) throws -> Variable {
        try validate(image, patchSize: patchEmbedding.geometry.stride)
        return patchEmbedding(zipRGBX(image)).permuted([0, 2, 3, 1])
    }
}

/// `baseline_d`: Conv1×1(C→3) (`zip_rgbx`) in front of SAM's own patch embedding. `3C + 3` parameters.
public final class BaselineDProjector: AlignmentModule {
    public let kind = AlignmentKind.baselineD
    public let inChannels: Int
    public let zipRGBX: Conv2dLayer

    public init(channels c: Int, uniformInit: Bool, generator: inout SeededGenerator) {
        inChannels = c
        zipRGBX = SimCMF.zipRGBX(dotted(projectorPrefix, "zip_rgbx"), channels: c, uniformInit: uniformInit, generator: &generator)
    }

    public var parameters: [Parameter] { zipRGBX.parameters }

    public func tokens(_ image: Variable, patchEmbed: Conv2dLayer) throws -> Variable {
        try validate(image, patchSize: patchEmbed.geometry.stride)
        return patchEmbed(zipRGBX(image)).permuted([0, 2, 3, 1])
    }
}

/// `zeroshot`: no parameters; the first three channels through SAM's patch embedding, or a single channel
/// repeated to three. (The reference's replicate-pad on the channel axis raises for C < 3, docs/REFERENCE.md §9.3; repeating
/// the one channel is its evident intent. Two channels are rejected.)
public final class ZeroShotProjector: AlignmentModule {
    public let kind = AlignmentKind.zeroshot
    public let inChannels: Int

    public init(channels c: Int) { inChannels = c }

    public var parameters: [Parameter] { [] }

    public func tokens(_ image: Variable, patchEmbed: Conv2dLayer) throws -> Variable {
        try validate(image, patchSize: patchEmbed.geometry.stride)
        let rgb = inChannels == 1 ? Variable.concat([image, image, image], axis: 1) : image.slice(axis: 1, 0..<3)
        return patchEmbed(rgb).permuted([0, 2, 3, 1])
    }
}
