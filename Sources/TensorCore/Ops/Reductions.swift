/// Reductions over axes. The result keeps reduced axes as extent 1 when `keepDims`, else drops them.
/// Each output element is accumulated serially (in Double for sum/mean/var), so results do not
/// depend on the thread count.
extension Tensor {
    /// Core: calls `body(outIndex, inputOffsets)` style reduction via (outer, reduced, inner) blocks.
    /// Reduced axes are moved innermost by a permutation when they are not contiguous.
    func reduce(axes: [Int]?, keepDims: Bool, initial: Double,
                _ combine: (Double, Float) -> Double, finish: (Double, Int) -> Float) -> Tensor {
        let ax = Set((axes ?? Array(0..<rank)).map { axis($0) })
        let keptShape = (0..<rank).map { ax.contains($0) ? 1 : shape[$0] }
        let outShape = keepDims ? keptShape : (0..<rank).filter { !ax.contains($0) }.map { shape[$0] }
        let order = (0..<rank).filter { !ax.contains($0) } + (0..<rank).filter { ax.contains($0) }
        let src = permuted(order)
        let m = ax.reduce(1) { $0 * shape[$1] }
        let outN = Tensor.elementCount(outShape)
        return src.withUnsafeBufferPointer { x in
            Tensor(shape: outShape) { o in
                let xp = x.baseAddress!, op = o.baseAddress!
                Parallel.forEach(outN, grain: Swift.max(1, 8192 / Swift.max(m, 1))) { r in
                    for j in r {
                        var acc = initial
                        let b = xp + j * m
                        for i in 0..<m { acc = combine(acc, b[i]) }
                        op[j] = finish(acc, m)
                    }
                }
            }
        }
    }

    /// Sum over `axes` (all axes when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        reduce(axes: axes, keepDims: keepDims, initial: 0, { $0 + Double($1) }, finish: { a, _ in Float(a) })
    }
    /// Mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        reduce(axes: axes, keepDims: keepDims, initial: 0, { $0 + Double($1) }, finish: { a, n in Float(a / Double(n)) })
    }
    /// Maximum over `axes` (all axes when nil).
    public func amax(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        reduce(axes: axes, keepDims: keepDims, initial: -.infinity, { Swift.max($0, Double($1)) }, finish: { a, _ in Float(a) })
    }
    /// Minimum over `axes` (all axes when nil).
    public func amin(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        reduce(axes: axes, keepDims: keepDims, initial: .infinity, { Swift.min($0, Double($1)) }, finish: { a, _ in Float(a) })
    }
    /// Variance over `axes` with `correction` (1 = unbiased, as `torch.var`'s default; 0 = population).
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, correction: Int = 1) -> Tensor {
        let mu = mean(axes: axes, keepDims: true)
        let d = (self - mu).squared()
        return d.reduce(axes: axes, keepDims: keepDims, initial: 0, { $0 + Double($1) },
                        finish: { a, n in Float(a / Double(Swift.max(n - correction, 0))) })
    }
    /// Index of the maximum along the last axis, as Float values, shape without the last axis.
    public func argmaxLastAxis() -> Tensor {
        let m = shape[rank - 1]
        return withUnsafeBufferPointer { x in
            Tensor(shape: Array(shape.dropLast())) { o in
                for j in 0..<o.count {
                    var best = 0
                    for i in 1..<m where x[j * m + i] > x[j * m + best] { best = i }
                    o[j] = Float(best)
                }
            }
        }
    }
}
