/// segment-anything's `calculate_stability_score`: how little a mask changes when its logit threshold moves by
/// ± offset, the IoU of the two masks `logit > t + o` (inside) and `logit > t − o` (outside it):
/// `count(logit > t + o) / count(logit > t − o)`, in Float32. A mask with no logit above `t − o` scores NaN
/// (0/0), which every threshold then drops, as in PyTorch.
public enum StabilityScore {
    /// - Parameters:
    ///   - logits: one mask's logits (any layout).
    ///   - maskThreshold, offset: `t` and `o`; the thresholds are rounded to Float32 after adding (PyTorch compares a
    ///     float32 tensor with the Python float `t ± o` in float32).
    public static func score(_ logits: UnsafeBufferPointer<Float>, maskThreshold: Double, offset: Double) -> Float {
        let high = Float(maskThreshold + offset), low = Float(maskThreshold - offset)
        var inner = 0, outer = 0
        for v in logits {
            if v > high { inner += 1 }
            if v > low { outer += 1 }
        }
        return Float(inner) / Float(outer)
    }

    public static func score(_ logits: [Float], maskThreshold: Double, offset: Double) -> Float {
        logits.withUnsafeBufferPointer { score($0, maskThreshold: maskThreshold, offset: offset) }
    }
}
