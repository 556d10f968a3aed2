import ImageIO
import TensorCore

/// Converting stored integer samples to a dimensionless [0, 1] scale.
enum ImageScaling {
    /// `[C, H, W]` values divided by the dtype's maximum (255 for uint8, 65535 for uint16); float data unchanged.
    static func unitRange(_ image: RawImage) -> Tensor {
        let t = image.toTensor()
        guard !image.dtype.isFloatingPoint, let m = image.dtype.integerMaximum else { return t }
        return t.withUnsafeBufferPointer { src in Tensor(shape: t.shape) { out in for i in 0..<src.count { out[i] = Float(Double(src[i]) / m) } } }
    }
}
