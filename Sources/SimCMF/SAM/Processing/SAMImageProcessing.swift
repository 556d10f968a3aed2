import Autodiff
import TensorCore

/// SAM's input and output geometry as tensor math: the official pre-processing (pixel normalisation
/// and bottom/right zero padding), the SimCMF reference's stretch-to-square, and `postprocess_masks`.
public enum SAMImageProcessing {
    /// SAM's RGB pixel statistics on the 0–255 scale (`Sam.pixel_mean`, `Sam.pixel_std`).
    public static let pixelMean: [Float] = [123.675, 116.28, 103.53]
    public static let pixelStd: [Float] = [58.395, 57.12, 57.375]

    /// `Sam.preprocess`: `(x − mean) / std` per channel, then zeros at the bottom/right up to
    /// `size × size`. `image [B, C, h, w]` with `h, w ≤ size` → `[B, C, size, size]`.
    public static func normalizeAndPad(_ image: Tensor, mean: [Float] = pixelMean, std: [Float] = pixelStd, size: Int) throws -> Tensor {
        guard image.rank == 4, image.shape[1] == mean.count, mean.count == std.count,
              image.shape[2] <= size, image.shape[3] <= size else {
            throw SAMError.shapeMismatch(field: "image", expected: "[B, \(mean.count), h ≤ \(size), w ≤ \(size)]", got: image.shape)
        }
        let c = mean.count
        let m = Tensor(shape: [1, c, 1, 1], values: mean), s = Tensor(shape: [1, c, 1, 1], values: std)
        let normalised = (image - m) / s
        return normalised.padded([(0, size - image.shape[2]), (0, size - image.shape[3])])
    }

    /// The SimCMF reference's input geometry: the image stretched to `size × size` ignoring the aspect
    /// ratio (`F.interpolate(bilinear, align_corners=False)`, no antialias; torchvision 0.12 `Resize`
    /// on tensors). `image [..., C, H, W]` → `[..., C, size, size]`.
    public static func stretchToSquare(_ image: Tensor, size: Int) throws -> Tensor {
        guard image.rank >= 2, image.shape[image.rank - 2] > 0, image.shape[image.rank - 1] > 0, size > 0 else {
            throw SAMError.shapeMismatch(field: "image", expected: "[..., H, W] with H, W > 0", got: image.shape)
        }
        return interpolate(Variable(image), size: (size, size), mode: .bilinear).value
    }

    /// `Sam.postprocess_masks`: low-resolution logits `[B, K, h, w]` upsampled (bilinear,
    /// align_corners=False) to the padded input `paddedSize × paddedSize`, cropped to the resized image
    /// `inputSize`, and resized to `originalSize`. Differentiable.
    public static func postprocessMasks(_ masks: Variable, inputSize: (height: Int, width: Int),
                                        originalSize: (height: Int, width: Int), paddedSize: Int) throws -> Variable {
        guard masks.value.rank == 4, inputSize.height <= paddedSize, inputSize.width <= paddedSize,
              inputSize.height > 0, inputSize.width > 0, originalSize.height > 0, originalSize.width > 0 else {
            throw SAMError.shapeMismatch(field: "masks", expected: "[B, K, h, w] with 0 < input size ≤ \(paddedSize)", got: masks.shape)
        }
        var x = interpolate(masks, size: (paddedSize, paddedSize), mode: .bilinear)
        if inputSize.height < paddedSize { x = x.slice(axis: 2, 0..<inputSize.height) }
        if inputSize.width < paddedSize { x = x.slice(axis: 3, 0..<inputSize.width) }
        return interpolate(x, size: (originalSize.height, originalSize.width), mode: .bilinear)
    }
}
