#if canImport(Glibc)
import Glibc
#endif

/// Elementwise arithmetic with broadcasting, and unary maps.
extension Tensor {
    /// `f` applied to every element (parallel over large tensors).
    public func map(_ f: (Float) -> Float) -> Tensor {
        withUnsafeBufferPointer { x in
            Tensor(shape: shape) { o in
                let xp = x.baseAddress!, op = o.baseAddress!
                Parallel.forEach(count, grain: 32768) { r in for i in r { op[i] = f(xp[i]) } }
            }
        }
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { arithmetic(a, b, .add) ?? broadcasting(a, b, +) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { arithmetic(a, b, .sub) ?? broadcasting(a, b, -) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { arithmetic(a, b, .mul) ?? broadcasting(a, b, *) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { arithmetic(a, b, .div) ?? broadcasting(a, b, /) }

    enum Arithmetic { case add, sub, mul, div }

    /// Parallel, closure-free loops for equal shapes and for a right-aligned suffix operand
    /// (`[N, D] ∘ [D]`); nil for other broadcasts.
    static func arithmetic(_ a: Tensor, _ b: Tensor, _ op: Arithmetic) -> Tensor? {
        let n = a.count, m = b.count
        let suffix = a.shape != b.shape && m > 0 && n >= m && a.rank >= b.rank && isSuffix(b.shape, of: a.shape)
        guard a.shape == b.shape || suffix else { return nil }
        return a.withUnsafeBufferPointer { xb in b.withUnsafeBufferPointer { yb in
            Tensor(shape: a.shape) { ob in
                let X = xb.baseAddress!, Y = yb.baseAddress!, O = ob.baseAddress!
                if !suffix {
                    Parallel.forEach(n, grain: 32768) { r in
                        switch op {
                        case .add: for i in r { O[i] = X[i] + Y[i] }
                        case .sub: for i in r { O[i] = X[i] - Y[i] }
                        case .mul: for i in r { O[i] = X[i] * Y[i] }
                        case .div: for i in r { O[i] = X[i] / Y[i] }
                        }
                    }
                } else {
                    Parallel.forEach(n / m, grain: Swift.max(1, 32768 / m)) { r in
                        for row in r {
                            let x = X + row * m, o = O + row * m
                            switch op {
                            case .add: for j in 0..<m { o[j] = x[j] + Y[j] }
                            case .sub: for j in 0..<m { o[j] = x[j] - Y[j] }
                            case .mul: for j in 0..<m { o[j] = x[j] * Y[j] }
                            case .div: for j in 0..<m { o[j] = x[j] / Y[j] }
                            }
                        }
                    }
                }
            }
        } }
    }
    public static func + (a: Tensor, s: Float) -> Tensor { a.map { $0 + s } }
    public static func - (a: Tensor, s: Float) -> Tensor { a.map { $0 - s } }
    public static func * (a: Tensor, s: Float) -> Tensor { a.map { $0 * s } }
    public static func / (a: Tensor, s: Float) -> Tensor { a.map { $0 / s } }
    public static func + (s: Float, a: Tensor) -> Tensor { a.map { s + $0 } }
    public static func - (s: Float, a: Tensor) -> Tensor { a.map { s - $0 } }
    public static func * (s: Float, a: Tensor) -> Tensor { a.map { s * $0 } }
    public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }

    /// In-place `self += other` (same shape), e.g. for gradient accumulation.
    public mutating func add(_ other: Tensor, scale: Float = 1) {
        precondition(shape == other.shape, "add: \(shape) vs \(other.shape)")
        other.withUnsafeBufferPointer { y in
            withUnsafeMutableBufferPointer { x in
                let xp = x.baseAddress!, yp = y.baseAddress!
                Parallel.forEach(x.count, grain: 65536) { r in
                    if scale == 1 { for i in r { xp[i] += yp[i] } } else { for i in r { xp[i] += scale * yp[i] } }
                }
            }
        }
    }

    /// Comparisons give 1 where true, 0 where false (broadcasting).
    public func eq(_ o: Tensor) -> Tensor { Tensor.broadcasting(self, o) { $0 == $1 ? 1 : 0 } }
    public func gt(_ o: Tensor) -> Tensor { Tensor.broadcasting(self, o) { $0 > $1 ? 1 : 0 } }
    public func ge(_ o: Tensor) -> Tensor { Tensor.broadcasting(self, o) { $0 >= $1 ? 1 : 0 } }
    public func lt(_ o: Tensor) -> Tensor { Tensor.broadcasting(self, o) { $0 < $1 ? 1 : 0 } }
    public func le(_ o: Tensor) -> Tensor { Tensor.broadcasting(self, o) { $0 <= $1 ? 1 : 0 } }
    public func gt(_ s: Float) -> Tensor { map { $0 > s ? 1 : 0 } }
    public func lt(_ s: Float) -> Tensor { map { $0 < s ? 1 : 0 } }
    /// `cond != 0 ? a : b`, broadcasting `a` and `b` to `cond`'s shape... (all three same shape).
    public static func select(_ cond: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(cond.shape == a.shape && a.shape == b.shape, "select: shapes must match")
        return cond.withUnsafeBufferPointer { c in a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in
            Tensor(shape: a.shape) { o in for i in 0..<o.count { o[i] = c[i] != 0 ? x[i] : y[i] } }
        } } }
    }

    /// `true` if shapes match and every pair of elements differs by at most `atol + rtol * |b|`.
    public func isClose(to b: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6) -> Bool {
        guard shape == b.shape else { return false }
        return withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in
            for i in 0..<x.count where !(Swift.abs(x[i] - y[i]) <= atol + rtol * Swift.abs(y[i])) { return false }
            return true
        } }
    }
}

/// Elementwise functions of tensors (free functions, so they overload rather than shadow the Float ones).
public func exp(_ t: Tensor) -> Tensor { t.map { Glibc.expf($0) } }
public func log(_ t: Tensor) -> Tensor { t.map { Glibc.logf($0) } }
public func sqrt(_ t: Tensor) -> Tensor { t.map { $0.squareRoot() } }
public func abs(_ t: Tensor) -> Tensor { t.map { Swift.abs($0) } }
public func pow(_ t: Tensor, _ p: Float) -> Tensor { t.map { Glibc.powf($0, p) } }
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { Tensor.broadcasting(a, b) { Swift.max($0, $1) } }
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { Tensor.broadcasting(a, b) { Swift.min($0, $1) } }
extension Tensor {
    /// Every element squared.
    public func squared() -> Tensor { map { $0 * $0 } }
    /// Every element clamped to `[lo, hi]`.
    public func clamped(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor { map { Swift.min(Swift.max($0, lo), hi) } }
}
