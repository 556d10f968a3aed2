#if canImport(Glibc)
import Glibc
#endif
import CEngineKernels
import TensorCore

/// Pointwise activations: forward and the gradient with respect to the input.
public enum Activation {
    /// GELU with the exact erf: `0.5 x (1 + erf(x / √2))` (PyTorch's default `approximate='none'`);
    /// vectorised in C (erf to 1.5e-7 absolute, as PyTorch's own vectorised CPU kernel).
    public static func gelu(_ x: Tensor) -> Tensor {
        x.withUnsafeBufferPointer { xb in
            Tensor(shape: x.shape) { yb in
                let X = xb.baseAddress!, Y = yb.baseAddress!
                Parallel.forEach(xb.count, grain: 16384) { r in engine_gelu(X + r.lowerBound, Y + r.lowerBound, r.count) }
            }
        }
    }
    /// `g · (Φ(x) + x φ(x))`.
    public static func geluGrad(_ x: Tensor, _ g: Tensor) -> Tensor {
        precondition(x.shape == g.shape, "geluGrad: \(x.shape) vs \(g.shape)")
        return x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gb in
            Tensor(shape: x.shape) { db in
                let X = xb.baseAddress!, G = gb.baseAddress!, D = db.baseAddress!
                Parallel.forEach(xb.count, grain: 16384) { r in
                    engine_gelu_backward(X + r.lowerBound, G + r.lowerBound, D + r.lowerBound, r.count)
                }
            }
        } }
    }
    public static func relu(_ x: Tensor) -> Tensor { x.map { $0 > 0 ? $0 : 0 } }
    public static func reluGrad(_ x: Tensor, _ g: Tensor) -> Tensor { Tensor.broadcasting(x, g) { $0 > 0 ? $1 : 0 } }
    /// `1 / (1 + e^-x)`, computed stably for both signs.
    public static func sigmoid(_ x: Tensor) -> Tensor { x.map(sigmoid) }
    @inline(__always) public static func sigmoid(_ v: Float) -> Float {
        v >= 0 ? 1 / (1 + expf(-v)) : { let e = expf(v); return e / (1 + e) }()
    }
    /// From the output `y`: `g · y (1 - y)`.
    public static func sigmoidGrad(output y: Tensor, _ g: Tensor) -> Tensor { Tensor.broadcasting(y, g) { $1 * $0 * (1 - $0) } }
}
