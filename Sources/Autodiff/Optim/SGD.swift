import TensorCore

/// SGD with momentum and (L2) weight decay, PyTorch semantics:
/// `d = g + wd·p; buf = μ·buf + (1 − dampening)·d (buf = d at the first step); p −= lr·buf`.
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var momentum: Float, dampening: Float, weightDecay: Float
    var buffers: [String: [Float]] = [:]

    public init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0, dampening: Float = 0, weightDecay: Float = 0) {
        self.parameters = parameters; self.learningRate = learningRate
        self.momentum = momentum; self.dampening = dampening; self.weightDecay = weightDecay
    }

    public func step() {
        for p in parameters where p.trainable {
            guard let g = p.grad else { continue }
            let key = p.name + ".momentum_buffer"
            let first = buffers[key] == nil
            var buf = buffers.removeValue(forKey: key) ?? [Float](repeating: 0, count: momentum != 0 ? g.count : 0)
            let mu = momentum, damp = dampening, wd = weightDecay, lr = learningRate
            g.withUnsafeBufferPointer { gb in
                p.value.withUnsafeMutableBufferPointer { w in
                    buf.withUnsafeMutableBufferPointer { bb in
                        let G = gb.baseAddress!, W = w.baseAddress!, Bp = bb.baseAddress
                        Parallel.forEach(w.count, grain: 65536) { r in
                            for i in r {
                                var d = G[i]
                                if wd != 0 { d += wd * W[i] }
                                if mu != 0, let Bp {
                                    Bp[i] = first ? d : mu * Bp[i] + (1 - damp) * d
                                    d = Bp[i]
                                }
                                W[i] -= lr * d
                            }
                        }
                    }
                }
            }
            if momentum != 0 { buffers[key] = buf }
        }
    }

    public func stateDict() -> [String: Tensor] { slots(["momentum_buffer"], buffers) }
    public func loadState(_ state: [String: Tensor]) throws {
        buffers = [:]
        for (k, v) in state where k.hasSuffix(".momentum_buffer") { buffers[k] = v.scalars }
    }
}
