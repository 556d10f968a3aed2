import TensorCore
import TensorKernels

/// Differentiable elementwise arithmetic (broadcasting), reductions and shape ops on `Variable`s.
extension Variable {
    public static func + (a: Variable, b: Variable) -> Variable {
        let sa = a.shape, sb = b.shape
        return record(a.value + b.value, [a, b]) { need in { g in
            [need[0] ? g.sumToShape(sa) : nil, need[1] ? g.sumToShape(sb) : nil]
        } }
    }

    public static func - (a: Variable, b: Variable) -> Variable {
        let sa = a.shape, sb = b.shape
        return record(a.value - b.value, [a, b]) { need in { g in
            [need[0] ? g.sumToShape(sa) : nil, need[1] ? (-g).sumToShape(sb) : nil]
        } }
    }

    public static func * (a: Variable, b: Variable) -> Variable {
        let x = a.value, y = b.value
        return record(x * y, [a, b]) { need in
            let xs = need[1] ? x : Tensor(0), ys = need[0] ? y : Tensor(0)
            return { g in [need[0] ? (g * ys).sumToShape(x.shape) : nil, need[1] ? (g * xs).sumToShape(y.shape) : nil] }
        }
    }

    public static func / (a: Variable, b: Variable) -> Variable {
        let x = a.value, y = b.value
        let out = x / y
        return record(out, [a, b]) { need in { g in
            let gx = g / y
            return [need[0] ? gx.sumToShape(x.shape) : nil, need[1] ? (-(gx * out)).sumToShape(y.shape) : nil]
        } }
    }

    public static func * (a: Variable, s: Float) -> Variable {
        record(a.value * s, [a]) { _ in { g in [g * s] } }
    }
    public static func + (a: Variable, s: Float) -> Variable {
        record(a.value + s, [a]) { _ in { g in [g] } }
    }
    public static func - (a: Variable, s: Float) -> Variable { a + (-s) }
    public static func * (s: Float, a: Variable) -> Variable { a * s }
    public static func + (s: Float, a: Variable) -> Variable { a + s }
    public static func - (s: Float, a: Variable) -> Variable { (-a) + s }
    public static prefix func - (a: Variable) -> Variable {
        record(-a.value, [a]) { _ in { g in [-g] } }
    }

    /// Sum of all elements (a scalar).
    public func sum() -> Variable {
        let s = shape
        return Variable.record(Tensor(value.sum().item), [self]) { _ in { g in [Tensor(shape: s, repeating: g.item)] } }
    }
    /// Mean of all elements (a scalar).
    public func mean() -> Variable {
        let s = shape, n = Float(value.count)
        return Variable.record(Tensor(value.mean().item), [self]) { _ in { g in [Tensor(shape: s, repeating: g.item / n)] } }
    }
    /// Sum over `axes`, keeping them as extent 1 when `keepDims`.
    public func sum(axes: [Int], keepDims: Bool = false) -> Variable {
        let s = shape
        let kept = value.sum(axes: axes, keepDims: true).shape
        return Variable.record(value.sum(axes: axes, keepDims: keepDims), [self]) { _ in { g in
            [g.reshaped(kept) + Tensor(shape: s, repeating: 0)]
        } }
    }
    /// Mean over `axes`.
    public func mean(axes: [Int], keepDims: Bool = false) -> Variable {
        let n = Float(value.count) / Float(Tensor.elementCount(value.sum(axes: axes, keepDims: true).shape))
        return sum(axes: axes, keepDims: keepDims) * (1 / n)
    }

    /// Same elements, new shape.
    public func reshaped(_ s: [Int]) -> Variable {
        let old = shape
        return Variable.record(value.reshaped(s), [self]) { _ in { g in [g.reshaped(old)] } }
    }
    /// Axes permuted (copy); the gradient is permuted back.
    public func permuted(_ order: [Int]) -> Variable {
        var inverse = [Int](repeating: 0, count: order.count)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return Variable.record(value.permuted(order), [self]) { _ in { g in [g.permuted(inverse)] } }
    }
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Variable {
        var order = Array(0..<value.rank)
        order.swapAt(value.axis(a), value.axis(b))
        return permuted(order)
    }
    /// `range` along `axis` (copy); the gradient is zero elsewhere.
    public func slice(axis: Int, _ range: Range<Int>) -> Variable {
        let ax = value.axis(axis), n = shape[ax]
        return Variable.record(value.slice(axis: ax, range), [self]) { _ in { g in
            var pads = [(Int, Int)](repeating: (0, 0), count: g.rank)
            pads[ax] = (range.lowerBound, n - range.upperBound)
            return [g.padded(pads)]
        } }
    }
    /// Constant padding (see `Tensor.padded`); the gradient is the central slice.
    public func padded(_ padding: [(Int, Int)], value v: Float = 0) -> Variable {
        let r = value.rank
        let pads = [(Int, Int)](repeating: (0, 0), count: r - padding.count) + padding
        let s = shape
        return Variable.record(value.padded(padding, value: v), [self]) { _ in { g in
            var out = g
            for ax in 0..<r where pads[ax] != (0, 0) { out = out.slice(axis: ax, pads[ax].0..<(pads[ax].0 + s[ax])) }
            return [out]
        } }
    }
    /// Variables joined along `axis`.
    public static func concat(_ parts: [Variable], axis: Int) -> Variable {
        let ax = parts[0].value.axis(axis)
        let sizes = parts.map { $0.shape[ax] }
        return record(Tensor.concat(parts.map(\.value), axis: ax), parts) { need in { g in
            var off = 0
            return sizes.enumerated().map { i, n in
                defer { off += n }
                return need[i] ? g.slice(axis: ax, off..<(off + n)) : nil
            }
        } }
    }
    /// Variables of equal shape stacked along a new axis.
    public static func stack(_ parts: [Variable], axis: Int = 0) -> Variable {
        let a = axis < 0 ? axis + parts[0].value.rank + 1 : axis
        return concat(parts.map { p in
            var s = p.shape; s.insert(1, at: a); return p.reshaped(s)
        }, axis: a)
    }
}

extension Variable: CustomStringConvertible {
    public var description: String { "Variable(\(value), requiresGrad: \(requiresGrad))" }
}
