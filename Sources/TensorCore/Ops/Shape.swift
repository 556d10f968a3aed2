import CEngineKernels

/// Shape-changing operations. All of them except `reshaped` return a new dense tensor (an explicit copy).
extension Tensor {
    /// Normalises a possibly negative axis.
    @inlinable package func axis(_ a: Int) -> Int {
        let r = a < 0 ? a + rank : a
        precondition(r >= 0 && r < rank, "Tensor: axis \(a) out of range for shape \(shape)")
        return r
    }

    /// Axes reordered: output axis `i` is input axis `order[i]` (like `torch.permute`), copied.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.count == rank && Set(order) == Set(0..<rank), "permuted: bad order \(order) for \(shape)")
        if order == Array(0..<rank) { return self }
        let outShape = order.map { shape[$0] }
        let inStrides = Tensor.strides(of: shape)
        let srcStrides = order.map { inStrides[$0] }
        let n = count
        if n == 0 { return Tensor(shape: outShape, repeating: 0) }
        var out = Tensor(shape: outShape, unsafeUninitialized: { _ in })   // every element is written below
        if let (batch, rows, cols) = batchedTranspose(order) {
            // [batch, rows, cols] → [batch, cols, rows] (e.g. NCHW ↔ NHWC): 16 × 16 blocks, parallel over row blocks.
            let blocks = (rows + 15) / 16
            withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    let s = src.baseAddress!, d = dst.baseAddress!
                    Parallel.forEach(batch * blocks, grain: Swift.max(1, 4096 / Swift.max(16 * cols, 1))) { range in
                        for item in range {
                            let b = item / blocks, r0 = (item % blocks) * 16
                            engine_transpose(s + b * rows * cols, rows, cols, r0, Swift.min(rows, r0 + 16), d + b * rows * cols)
                        }
                    }
                }
            }
            return out
        }
        // Innermost-axis loop with a precomputed stride; outer index by a counter.
        let r = rank
        let innerN = outShape[r - 1], innerS = srcStrides[r - 1]
        let outer = n / innerN
        withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let s = src.baseAddress!, d = dst.baseAddress!
                Parallel.forEach(outer, grain: Swift.max(1, 16384 / Swift.max(innerN, 1))) { range in
                    var idx = [Int](repeating: 0, count: r)
                    // decompose range.lowerBound into outer indices
                    var rem = range.lowerBound
                    for ax in stride(from: r - 2, through: 0, by: -1) { idx[ax] = rem % outShape[ax]; rem /= outShape[ax] }
                    var base = 0
                    for ax in 0..<(r - 1) { base += idx[ax] * srcStrides[ax] }
                    for o in range {
                        let dp = d + o * innerN
                        if innerS == 1 { dp.update(from: s + base, count: innerN) }
                        else { for j in 0..<innerN { dp[j] = s[base + j * innerS] } }
                        // increment counter
                        var ax = r - 2
                        while ax >= 0 {
                            idx[ax] += 1; base += srcStrides[ax]
                            if idx[ax] < outShape[ax] { break }
                            base -= idx[ax] * srcStrides[ax]; idx[ax] = 0; ax -= 1
                        }
                    }
                }
            }
        }
        return out
    }

    /// When `order` keeps leading axes and swaps two runs of the rest (`[0, 2, 3, 1]`, `[0, 3, 1, 2]`,
    /// `[0, 2, 1]`, …), the permute is a batch of row-major transposes: their count, rows and columns.
    func batchedTranspose(_ order: [Int]) -> (batch: Int, rows: Int, cols: Int)? {
        var p = 0
        while p < rank && order[p] == p { p += 1 }
        guard p < rank - 1 else { return nil }
        let q = order[p]   // the second run, q ..< rank, comes first; then p ..< q
        guard q > p, Array(order[p...]) == Array(q..<rank) + Array(p..<q) else { return nil }
        return (shape[..<p].reduce(1, *), shape[p..<q].reduce(1, *), shape[q...].reduce(1, *))
    }

    /// Two axes swapped (copied).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(axis(a), axis(b))
        return permuted(order)
    }

    /// A new axis of extent 1 at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        var s = shape; s.insert(1, at: a)
        return reshaped(s)
    }

    /// The elements `start..<end` (step 1) along `axis`, copied.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let ax = self.axis(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax], "slice: \(range) out of 0..<\(shape[ax])")
        let outer = shape[..<ax].reduce(1, *)
        let inner = shape[(ax + 1)...].reduce(1, *)
        var s = shape; s[ax] = range.count
        let len = range.count * inner, full = shape[ax] * inner
        return withUnsafeBufferPointer { src in
            Tensor(shape: s) { dst in
                for o in 0..<outer {
                    if len > 0 { (dst.baseAddress! + o * len).update(from: src.baseAddress! + o * full + range.lowerBound * inner, count: len) }
                }
            }
        }
    }

    /// Tensors joined along `axis`; all other extents must agree.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat: no tensors")
        let ax = parts[0].axis(axis)
        var s = parts[0].shape
        s[ax] = 0
        for p in parts {
            precondition(p.rank == s.count, "concat: rank mismatch")
            for i in 0..<p.rank where i != ax { precondition(p.shape[i] == parts[0].shape[i], "concat: shape \(p.shape) vs \(parts[0].shape)") }
            s[ax] += p.shape[ax]
        }
        let outer = s[..<ax].reduce(1, *)
        let inner = s[(ax + 1)...].reduce(1, *)
        let rowOut = s[ax] * inner
        return Tensor(shape: s) { dst in
            var off = 0
            for p in parts {
                let row = p.shape[ax] * inner
                p.withUnsafeBufferPointer { src in
                    for o in 0..<outer where row > 0 {
                        (dst.baseAddress! + o * rowOut + off).update(from: src.baseAddress! + o * row, count: row)
                    }
                }
                off += row
            }
        }
    }

    /// Tensors of equal shape stacked along a new axis.
    public static func stack(_ parts: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!parts.isEmpty, "stack: no tensors")
        let a = axis < 0 ? axis + parts[0].rank + 1 : axis
        return concat(parts.map { $0.unsqueezed(a) }, axis: a)
    }

    /// Constant padding: `padding[i] = (before, after)` for each axis (fewer entries pad the last axes).
    public func padded(_ padding: [(Int, Int)], value: Float = 0) -> Tensor {
        precondition(padding.count <= rank, "padded: \(padding.count) pads for rank \(rank)")
        let pads = [(Int, Int)](repeating: (0, 0), count: rank - padding.count) + padding
        let outShape = Swift.zip(shape, pads).map { $0 + $1.0 + $1.1 }
        var out = Tensor(shape: outShape, repeating: value)
        if count == 0 { return out }
        let r = rank
        let outStrides = Tensor.strides(of: outShape)
        var baseOff = 0
        for i in 0..<r { baseOff += pads[i].0 * outStrides[i] }
        let inner = shape[r - 1]
        let outer = count / inner
        withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var idx = [Int](repeating: 0, count: r)
                for o in 0..<outer {
                    var off = baseOff
                    for ax in 0..<(r - 1) { off += idx[ax] * outStrides[ax] }
                    (dst.baseAddress! + off).update(from: src.baseAddress! + o * inner, count: inner)
                    var ax = r - 2
                    while ax >= 0 { idx[ax] += 1; if idx[ax] < shape[ax] { break }; idx[ax] = 0; ax -= 1 }
                }
            }
        }
        return out
    }
}
