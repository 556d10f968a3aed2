import TensorCore

/// Overlap counts of a predicted mask (`logits > 0`) with a ground-truth mask.
public struct MaskOverlap: Sendable, Equatable {
    public var intersection: Int
    public var union: Int
    public var predicted: Int
    public var truth: Int

    /// Counts over `logits` and `truth` of the same element count (`truth` is 0/1).
    public init(logits: Tensor, truth mask: Tensor, threshold: Float = 0) {
        precondition(logits.count == mask.count, "MaskOverlap: \(logits.shape) vs \(mask.shape)")
        var i = 0, u = 0, p = 0, g = 0
        logits.withUnsafeBufferPointer { lb in mask.withUnsafeBufferPointer { tb in
            for k in 0..<lb.count {
                let a = lb[k] > threshold, b = tb[k] > 0
                if a { p += 1 }
                if b { g += 1 }
                if a && b { i += 1 }
                if a || b { u += 1 }
            }
        } }
        intersection = i; union = u; predicted = p; truth = g
    }

    /// `utils.iou`: `(|P∩G| + 1e-6) / (|P∪G| + 1e-6)` (1 when both are empty, docs/REFERENCE.md §9.6).
    public var iou: Double { (Double(intersection) + 1e-6) / (Double(union) + 1e-6) }
    /// `utils.dice_coeff`: `(2|P∩G| + 1e-4) / (|P| + |G| + 1e-4)`.
    public var dice: Double { (2 * Double(intersection) + 1e-4) / (Double(predicted) + Double(truth) + 1e-4) }

    /// The predicted mask of `logits`: 1 where `logit > threshold`, else 0 (same shape).
    public static func predictedMask(_ logits: Tensor, threshold: Float = 0) -> Tensor {
        logits.withUnsafeBufferPointer { l in Tensor(shape: logits.shape) { o in for i in 0..<l.count { o[i] = l[i] > threshold ? 1 : 0 } } }
    }
}
