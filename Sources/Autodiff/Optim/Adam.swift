import Foundation
import TensorCore
import TensorKernels

/// Adam / AdamW with PyTorch's single-tensor update:
/// `m += (1 − β1)(g − m); v = β2·v + (1 − β2)·g²; p −= (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)`.
/// Adam's weight decay is L2 (`g += wd·p`); AdamW's is decoupled (`p *= 1 − lr·wd` first).
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public let decoupledWeightDecay: Bool
    /// Steps taken per parameter (PyTorch keeps a step count per parameter).
    var steps: [String: Int] = [:]
    var m: [String: [Float]] = [:], v: [String: [Float]] = [:]

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.parameters = parameters; self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// AdamW (decoupled weight decay, PyTorch default 0.01).
    public static func adamW(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                             epsilon: Float = 1e-8, weightDecay: Float = 1e-2) -> Adam {
        Adam(parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
             weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    public func step() {
        for p in parameters where p.trainable {
            guard let grad = p.grad else { continue }
            let t = (steps[p.name] ?? 0) + 1
            steps[p.name] = t
            // Take the moments out of the dictionaries so they are uniquely referenced (no copy on write).
            var mm = m.removeValue(forKey: p.name) ?? [Float](repeating: 0, count: p.value.count)
            var vv = v.removeValue(forKey: p.name) ?? [Float](repeating: 0, count: p.value.count)
            let bc1 = 1 - Foundation.pow(Double(beta1), Double(t)), bc2 = 1 - Foundation.pow(Double(beta2), Double(t))
            let stepSize = Float(Double(learningRate) / bc1)
            let bc2sqrt = Float(bc2.squareRoot())
            grad.withUnsafeBufferPointer { gb in
                p.value.withUnsafeMutableBufferPointer { w in
                    mm.withUnsafeMutableBufferPointer { mb in vv.withUnsafeMutableBufferPointer { vb in
                        AdamUpdate.apply(weights: w.baseAddress!, gradient: gb.baseAddress!, firstMoment: mb.baseAddress!,
                                         secondMoment: vb.baseAddress!, count: w.count, learningRate: learningRate,
                                         beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
                                         decoupled: decoupledWeightDecay, stepSize: stepSize, biasCorrection2Sqrt: bc2sqrt)
                    } }
                }
            }
            m[p.name] = mm; v[p.name] = vv
        }
    }

    public func stateDict() -> [String: Tensor] {
        var out = slots(["exp_avg"], m.mapKeys { $0 + ".exp_avg" }).merging(slots(["exp_avg_sq"], v.mapKeys { $0 + ".exp_avg_sq" })) { a, _ in a }
        for (k, s) in steps { out[k + ".step"] = Tensor(Float(s)) }
        return out
    }

    public func loadState(_ state: [String: Tensor]) throws {
        m = [:]; v = [:]; steps = [:]
        for p in parameters {
            guard let s = state[p.name + ".step"] else { continue }
            guard let a = state[p.name + ".exp_avg"], let b = state[p.name + ".exp_avg_sq"] else {
                throw OptimizerError.missingState(p.name)
            }
            guard a.shape == p.value.shape, b.shape == p.value.shape else { throw OptimizerError.shapeMismatch(p.name) }
            steps[p.name] = Int(s.item); m[p.name] = a.scalars; v[p.name] = b.scalars
        }
    }
}
