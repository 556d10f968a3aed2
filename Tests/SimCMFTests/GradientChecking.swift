import Autodiff
import Foundation
import TensorCore
import XCTest

/// NaN-safe helpers for the gradient tests (the comparisons themselves use `assertClose*`).

/// Largest |x| of `t`; throws if any entry is NaN or infinite, so a bound on it cannot pass vacuously.
func largestMagnitude(_ t: Tensor, file: StaticString = #filePath, line: UInt = #line) throws -> Float {
    var m: Float = 0
    for x in t.scalars {
        guard x.isFinite else { throw NonFiniteValue() }
        m = Swift.max(m, Swift.abs(x))
    }
    return m
}

struct NonFiniteValue: Error, CustomStringConvertible { var description: String { "a NaN or infinite value" } }

/// Dice + CE of `logits` against `target` evaluated in Double from the float32 logits: the function
/// `Loss.diceCE` computes (MONAI DiceCELoss(sigmoid, squared_pred), scripts/make_simcmf_fixtures.py `dice_ce`):
/// the mean over (batch, channel) of `1 − (2Σ p·t + 1e-5) / (Σ p² + Σ t² + 1e-5)` with `p = σ(x)`, plus the mean
/// binary cross-entropy with logits `max(x, 0) − x·t + log(1 + e^{−|x|})`. Finite differences of it lose no
/// digits to float32 rounding of the loss itself (only the logits' own rounding remains).
func diceCEInDouble(_ logits: Tensor, _ target: Tensor) -> Double {
    precondition(logits.shape == target.shape && logits.rank >= 2)
    let x = logits.scalars, t = target.scalars
    let groups = logits.shape[0] * logits.shape[1], n = x.count / groups
    var dice = 0.0, bce = 0.0
    for gi in 0..<groups {
        var inter = 0.0, den = 0.0
        for i in gi * n..<(gi + 1) * n {
            let xv = Double(x[i]), tv = Double(t[i])
            let p = 1 / (1 + Foundation.exp(-xv))
            inter += p * tv; den += p * p + tv * tv
            bce += Swift.max(xv, 0) - xv * tv + Foundation.log1p(Foundation.exp(-Swift.abs(xv)))
        }
        dice += 1 - (2 * inter + 1e-5) / (den + 1e-5)
    }
    return dice / Double(groups) + bce / Double(x.count)
}

/// A directional derivative of the loss: backpropagated against central finite differences.
struct FiniteDifferenceProbe {
    /// The tensor and the direction (an entry `name[i]`, or `name along g`).
    var what: String
    /// Backpropagated `g · (θ⁺ − θ⁻) / (2h)`, with θ± the float32 values actually evaluated.
    var analytic: Double
    /// `(L(θ⁺) − L(θ⁻)) / (2h)`.
    var numeric: Double
    /// The error is judged against this: max|g| for an entry, |g|₂ along g.
    var scale: Double
}

/// Central difference of `loss` along `direction` (same shape as `p`) with step `h`: returns the quotient
/// `(L(θ + h·d) − L(θ − h·d)) / (2h)` and the backpropagated prediction `Σ g_i (θ⁺_i − θ⁻_i) / (2h)` computed
/// from the float32 values actually evaluated. `p` is restored afterwards.
func centralDifference(_ p: Parameter, gradient: [Float], direction: [Float], h: Float,
                       loss: () throws -> Double) rethrows -> (numeric: Double, analytic: Double) {
    let base = p.value
    defer { p.value = base }
    let b = base.scalars
    let plus = zip(b, direction).map { $0 + h * $1 }, minus = zip(b, direction).map { $0 - h * $1 }
    p.value = Tensor(shape: base.shape, values: plus)
    let lp = try loss()
    p.value = Tensor(shape: base.shape, values: minus)
    let lm = try loss()
    var predicted = 0.0
    for i in b.indices { predicted += Double(gradient[i]) * (Double(plus[i]) - Double(minus[i])) }
    return ((lp - lm) / (2 * Double(h)), predicted / (2 * Double(h)))
}
