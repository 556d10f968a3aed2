import CEngineKernels
import TensorCore

/// The elementwise half of an Adam / AdamW step (`Adam.step` in Autodiff): the C kernel
/// `engine_adam_update` over a parameter's elements, in parallel blocks. `Adam` keeps the moments
/// and the step counts and computes the bias corrections; this applies them.
package enum AdamUpdate {
    /// Updates `count` weights, first and second moments in place from the gradient.
    /// - Parameters:
    ///   - stepSize: lr / (1 − β1ᵗ).
    ///   - biasCorrection2Sqrt: √(1 − β2ᵗ).
    ///   - decoupled: AdamW (decay the weights by 1 − lr·wd first) rather than Adam (add wd·w to the gradient).
    package static func apply(weights w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                              firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>,
                              count: Int, learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
                              weightDecay: Float, decoupled: Bool, stepSize: Float, biasCorrection2Sqrt: Float) {
        var constants = EngineAdamStep(oneMinusBeta1: 1 - beta1, beta2: beta2, oneMinusBeta2: 1 - beta2,
                                       biasCorrection2Sqrt: biasCorrection2Sqrt, stepSize: stepSize, epsilon: epsilon,
                                       weightDecay: weightDecay, decoupledFactor: 1 - learningRate * weightDecay,
                                       decoupled: decoupled ? 1 : 0)
        withUnsafePointer(to: &constants) { c in
            Parallel.forEach(count, grain: 65536) { r in
                let i = r.lowerBound
                engine_adam_update(w + i, g + i, m + i, v + i, r.count, c)
            }
        }
    }
}
