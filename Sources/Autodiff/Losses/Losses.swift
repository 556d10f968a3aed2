#if canImport(Glibc)
import Glibc
import TensorCore
import TensorKernels
#endif

/// Segmentation losses on logits. Targets are constants (no gradient), same shape as the logits.
public enum Loss {
    /// `mean(max(x, 0) − x·t + log(1 + e^−|x|))` (PyTorch `BCEWithLogitsLoss(reduction='mean')`).
    public static func bceWithLogits(_ logits: Variable, target: Tensor) -> Variable {
        let x = logits.value
        precondition(x.shape == target.shape, "bceWithLogits: logits \(x.shape) target \(target.shape)")
        let n = Double(x.count)
        var s = 0.0
        x.withUnsafeBufferPointer { xb in target.withUnsafeBufferPointer { tb in
            for i in 0..<xb.count { let v = xb[i]; s += Double(Swift.max(v, 0) - v * tb[i] + log1pf(expf(-Swift.abs(v)))) }
        } }
        return Variable.record(Tensor(Float(s / n)), [logits]) { _ in { g in
            let k = g.item / Float(n)
            return [Tensor.broadcasting(x, target) { (Activation.sigmoid($0) - $1) * k }]
        } }
    }

    /// MONAI `DiceCELoss(sigmoid=True, squared_pred=True, reduction='mean', smooth_nr=smooth, smooth_dr=smooth)` (docs/REFERENCE.md §5)
    /// (include_background, batch = False, both weights 1), a scalar: with `p = σ(x)` and sums over the spatial
    /// axes of each `(b, c)`: `dice = 1 − (2Σpg + smooth) / (Σp² + Σg² + smooth)`,
    /// loss = `mean_{b,c}(dice) + BCEWithLogits(x, g)` (mean over every element).
    /// `logits`/`target` are `[B, C, ...]` (any number of spatial axes). For C = 1 this is MONAI's loss; for C > 1
    /// MONAI's CE term becomes a softmax cross-entropy over the channels, while this keeps the per-channel sigmoid
    /// BCE (multi-label, consistent with the sigmoid Dice term).
    public static func diceCE(_ logits: Variable, target: Tensor, smooth: Float = 1e-5) -> Variable {
        dice(logits, target: target, smooth: smooth) + bceWithLogits(logits, target: target)
    }

    /// The soft Dice term alone (see `diceCE`).
    public static func dice(_ logits: Variable, target: Tensor, smooth: Float = 1e-5) -> Variable {
        let x = logits.value
        precondition(x.shape == target.shape && x.rank >= 2, "dice: logits \(x.shape) target \(target.shape)")
        let groups = x.shape[0] * x.shape[1], L = x.count / Swift.max(groups, 1)
        let p = Activation.sigmoid(x)
        var inter = [Double](repeating: 0, count: groups), den = [Double](repeating: 0, count: groups)
        var total = 0.0
        p.withUnsafeBufferPointer { pb in target.withUnsafeBufferPointer { tb in
            for gi in 0..<groups {
                var a = 0.0, d = 0.0
                for i in gi * L..<(gi + 1) * L { let pv = Double(pb[i]), tv = Double(tb[i]); a += pv * tv; d += pv * pv + tv * tv }
                inter[gi] = a; den[gi] = d
                total += 1 - (2 * a + Double(smooth)) / (d + Double(smooth))
            }
        } }
        return Variable.record(Tensor(Float(total / Double(groups))), [logits]) { _ in { g in
            let k = Double(g.item) / Double(groups)
            let grad = p.withUnsafeBufferPointer { pb in target.withUnsafeBufferPointer { tb in
                Tensor(shape: x.shape) { o in
                    for gi in 0..<groups {
                        let num = 2 * inter[gi] + Double(smooth), dd = den[gi] + Double(smooth)
                        for i in gi * L..<(gi + 1) * L {
                            let pv = Double(pb[i]), tv = Double(tb[i])
                            // d(1 − num/dd)/dp = −(2t·dd − num·2p)/dd²; dp/dx = p(1 − p)
                            let dp = -(2 * tv * dd - num * 2 * pv) / (dd * dd)
                            o[i] = Float(k * dp * pv * (1 - pv))
                        }
                    }
                }
            } }
            return [grad]
        } }
    }

    /// Sigmoid focal loss (torchvision `sigmoid_focal_loss`, reduction mean), a scalar:
    /// `mean(α_t · (1 − p_t)^γ · BCE(x, t))` with `p = σ(x)`, `p_t = p·t + (1 − p)(1 − t)`,
    /// `α_t = α·t + (1 − α)(1 − t)`. `alpha` ∈ [0, 1], or −1 for no class weighting (`α_t = 1`), as in torchvision.
    /// `logits`/`target`: any shape, the same for both.
    public static func focal(_ logits: Variable, target: Tensor, alpha: Float = 0.25, gamma: Float = 2) -> Variable {
        let x = logits.value
        precondition(x.shape == target.shape, "focal: logits \(x.shape) target \(target.shape)")
        precondition((0...1).contains(alpha) || alpha == -1, "focal: alpha \(alpha) is neither in [0, 1] nor −1")
        let n = x.count
        var s = 0.0
        var grads = [Float](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xb in target.withUnsafeBufferPointer { tb in
            for i in 0..<n {
                let v = Double(xb[i]), t = Double(tb[i])
                let p = 1 / (1 + Foundation_exp(-v))
                let ce = Swift.max(v, 0) - v * t + Foundation_log1p(Foundation_exp(-Swift.abs(v)))
                let pt = p * t + (1 - p) * (1 - t)
                let at = alpha < 0 ? 1 : Double(alpha) * t + (1 - Double(alpha)) * (1 - t)
                let m = Foundation_pow(1 - pt, Double(gamma))
                s += at * ce * m
                let dpt = (2 * t - 1) * p * (1 - p)
                let dm = pt < 1 ? -Double(gamma) * Foundation_pow(1 - pt, Double(gamma) - 1) * dpt : 0
                grads[i] = Float(at * ((p - t) * m + ce * dm) / Double(n))
            }
        } }
        let g0 = Tensor(shape: x.shape, values: grads)
        return Variable.record(Tensor(Float(s / Double(n))), [logits]) { _ in { g in [g0 * g.item] } }
    }
}

@inline(__always) private func Foundation_exp(_ x: Double) -> Double { exp(x) }
@inline(__always) private func Foundation_log1p(_ x: Double) -> Double { log1p(x) }
@inline(__always) private func Foundation_pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
