import TensorCore

/// Scales all gradients so their global L2 norm is at most `maxNorm` (PyTorch `clip_grad_norm_`:
/// factor `maxNorm / (norm + 1e-6)`, applied only when < 1). Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var s = 0.0
    for p in parameters { if let g = p.grad { g.withUnsafeBufferPointer { for x in $0 { s += Double(x) * Double(x) } } } }
    let norm = Float(s.squareRoot())
    let factor = maxNorm / (norm + 1e-6)
    if factor < 1 { for p in parameters where p.grad != nil { p.grad = p.grad! * factor } }
    return norm
}
