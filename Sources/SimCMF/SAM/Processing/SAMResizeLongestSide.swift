import TensorCore
import TensorKernels

/// segment-anything's `ResizeLongestSide(target)`, SAM's pre-processing of tensors: scales an image
/// so that its longer side is `targetLength` (`new = int(old · target / max(h, w) + 0.5)`,
/// `LongestSideScaling` in TensorKernels), and prompts by the same factors. The channel transform with the
/// same rule, on `ChannelImage`s with padding, is Transforms' `ChannelResizeLongestSide`.
public struct SAMResizeLongestSide: Sendable, Equatable {
    public let targetLength: Int

    public init(targetLength: Int = 1024) { self.targetLength = targetLength }

    /// `get_preprocess_shape`: the resized `(height, width)`, computed in double precision like Python.
    public static func preprocessShape(height: Int, width: Int, longSide: Int) -> (height: Int, width: Int) {
        LongestSideScaling.targetSize(height: height, width: width, longestSide: longSide)
    }

    public func preprocessShape(height: Int, width: Int) -> (height: Int, width: Int) {
        Self.preprocessShape(height: height, width: width, longSide: targetLength)
    }

    /// `image [..., C, H, W]` (float) resized with PyTorch's antialiased bilinear filter
    /// (`F.interpolate(mode="bilinear", align_corners=False, antialias=True)`, i.e.
    /// `apply_image_torch` — with the resized shape computed from H and W; the official method passes
    /// B and C by mistake). `apply_image` (PIL on uint8) differs from it by 8-bit rounding.
    public func apply(image: Tensor) throws -> Tensor {
        guard image.rank >= 3, image.shape[image.rank - 1] > 0, image.shape[image.rank - 2] > 0 else {
            throw SAMError.shapeMismatch(field: "image", expected: "[..., C, H, W] with H, W > 0", got: image.shape)
        }
        let (h, w) = (image.shape[image.rank - 2], image.shape[image.rank - 1])
        let (nh, nw) = preprocessShape(height: h, width: w)
        return Resample.apply(image, mh: Self.antialiasedBilinearMatrix(input: h, output: nh),
                              mw: Self.antialiasedBilinearMatrix(input: w, output: nw), outH: nh, outW: nw, inH: h, inW: w)
    }

    /// `coords [..., 2]` (x, y) in the original image's pixels → the resized image's pixels.
    public func apply(coordinates coords: Tensor, originalSize: (height: Int, width: Int)) throws -> Tensor {
        guard coords.rank >= 1, coords.shape[coords.rank - 1] == 2 else {
            throw SAMError.shapeMismatch(field: "coordinates", expected: "[..., 2]", got: coords.shape)
        }
        let (sx, sy) = LongestSideScaling.coordinateScale(height: originalSize.height, width: originalSize.width,
                                                          longestSide: targetLength)
        var out = coords
        out.withUnsafeMutableBufferPointer { b in
            for i in 0..<(b.count / 2) {
                b[2 * i] = Float(Double(b[2 * i]) * sx)
                b[2 * i + 1] = Float(Double(b[2 * i + 1]) * sy)
            }
        }
        return out
    }

    /// `boxes [..., 4]` (x0, y0, x1, y1) → the resized image's pixels.
    public func apply(boxes: Tensor, originalSize: (height: Int, width: Int)) throws -> Tensor {
        guard boxes.rank >= 1, boxes.shape[boxes.rank - 1] == 4 else {
            throw SAMError.shapeMismatch(field: "boxes", expected: "[..., 4]", got: boxes.shape)
        }
        return try apply(coordinates: boxes.reshaped([-1, 2]), originalSize: originalSize).reshaped(boxes.shape)
    }

    /// The `[output, input]` weights of PyTorch's antialiased bilinear resampling along one axis
    /// (`_compute_indices_min_size_weights_aa` with the triangle filter): when shrinking, the filter
    /// support widens by the scale; the weights of each output are normalised to sum to one.
    public static func antialiasedBilinearMatrix(input n: Int, output m: Int) -> [Float] {
        var a = [Float](repeating: 0, count: m * n)
        let scale = Float(n) / Float(m)
        let support: Float = scale >= 1 ? scale : 1
        let invScale: Float = scale >= 1 ? 1 / scale : 1
        for i in 0..<m {
            let center = scale * (Float(i) + 0.5)
            let lo = Swift.max(Int(center - support + 0.5), 0)
            let hi = Swift.min(Int(center + support + 0.5), n)
            var total: Float = 0
            var weights: [Float] = []
            for j in lo..<Swift.max(hi, lo) {
                let x = Swift.abs((Float(j) - center + 0.5) * invScale)
                let w: Float = x < 1 ? 1 - x : 0
                weights.append(w); total += w
            }
            for (k, w) in weights.enumerated() { a[i * n + lo + k] = total != 0 ? w / total : w }
        }
        return a
    }
}
