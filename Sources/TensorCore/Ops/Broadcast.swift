/// NumPy/PyTorch broadcasting: shapes are aligned at the right; an extent of 1 stretches.
public enum Broadcast {
    /// The broadcast shape of `a` and `b`, or a precondition failure if they are incompatible.
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int] {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let x = i < r - a.count ? 1 : a[i - (r - a.count)]
            let y = i < r - b.count ? 1 : b[i - (r - b.count)]
            precondition(x == y || x == 1 || y == 1, "broadcast: incompatible shapes \(a) and \(b)")
            out[i] = x == 1 ? y : x
        }
        return out
    }

    /// Element strides of `shape` seen as `target` (0 on broadcast axes).
    package static func strides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = Tensor.strides(of: shape)
        let off = target.count - shape.count
        return (0..<target.count).map { i in
            i < off ? 0 : (shape[i - off] == 1 && target[i] != 1 ? 0 : own[i - off])
        }
    }
}

extension Tensor {
    /// `f(a, b)` elementwise with broadcasting. Fast paths: equal shapes, a scalar side, and a
    /// right-aligned suffix (e.g. `[N, D]` with a bias `[D]`).
    public static func broadcasting(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape {
            return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in
                Tensor(shape: a.shape) { o in for i in 0..<o.count { o[i] = f(x[i], y[i]) } }
            } }
        }
        let s = Broadcast.shape(a.shape, b.shape)
        let n = Tensor.elementCount(s)
        if b.count == 1 && a.count == n {
            let v = b.storage.base[0]
            return a.withUnsafeBufferPointer { x in Tensor(shape: s) { o in for i in 0..<n { o[i] = f(x[i], v) } } }
        }
        if a.count == 1 && b.count == n {
            let v = a.storage.base[0]
            return b.withUnsafeBufferPointer { y in Tensor(shape: s) { o in for i in 0..<n { o[i] = f(v, y[i]) } } }
        }
        if a.count == n, isSuffix(b.shape, of: s), b.count > 0 {
            let m = b.count
            return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in
                Tensor(shape: s) { o in
                    for r in 0..<(n / m) { let base = r * m; for j in 0..<m { o[base + j] = f(x[base + j], y[j]) } }
                }
            } }
        }
        let sa = Broadcast.strides(a.shape, to: s), sb = Broadcast.strides(b.shape, to: s)
        let r = s.count
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in
            Tensor(shape: s) { o in
                if n == 0 { return }
                var idx = [Int](repeating: 0, count: r)
                var ia = 0, ib = 0
                for i in 0..<n {
                    o[i] = f(x[ia], y[ib])
                    var ax = r - 1
                    while ax >= 0 {
                        idx[ax] += 1; ia += sa[ax]; ib += sb[ax]
                        if idx[ax] < s[ax] { break }
                        ia -= idx[ax] * sa[ax]; ib -= idx[ax] * sb[ax]; idx[ax] = 0; ax -= 1
                    }
                }
            }
        } }
    }

    /// `true` if `small` (after dropping leading 1s) equals the trailing extents of `big`.
    package static func isSuffix(_ small: [Int], of big: [Int]) -> Bool {
        var s = small[...]
        while let f = s.first, f == 1, s.count > 0 { s = s.dropFirst() }
        return s.count <= big.count && Array(big.suffix(s.count)) == Array(s)
    }
}
