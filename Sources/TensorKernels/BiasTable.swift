import TensorCore

/// TinyViT's learned attention bias: a table `[H, T]` gathered by `indices` (`n·m` entries in `0..<T`)
/// into `[repeats·H, n, m]` (item `r·H + h` reads head h), and the adjoint scatter-add.
package enum BiasTable {
    /// `out[r·H + h, p] = table[h, indices[p]]`: the first repeat's heads gathered, the rest copied from it.
    package static func gather(_ table: Tensor, indices: [Int], repeats: Int) -> Tensor {
        let (H, T) = (table.shape[0], table.shape[1]), NN = indices.count
        precondition(table.rank == 2 && repeats >= 1, "BiasTable.gather: table \(table.shape), \(repeats) repeats")
        return table.withUnsafeBufferPointer { tb in indices.withUnsafeBufferPointer { ib in
            Tensor(shape: [repeats * H, NN], unsafeUninitialized: { o in
                let O = o.baseAddress!, Tb = tb.baseAddress!, I = ib.baseAddress!
                Parallel.forEach(H, grain: 1) { r in
                    for h in r {
                        let row = Tb + h * T, dst = O + h * NN
                        for p in 0..<NN { dst[p] = row[I[p]] }
                    }
                }
                Parallel.forEach(repeats - 1, grain: 1) { r in
                    for rep in r { (O + (rep + 1) * H * NN).update(from: O, count: H * NN) }
                }
            })
        } }
    }

    /// The gradient of a per-head bias gathered from the table, for `g [items, n·m]` whose item `i`
    /// belongs to head `AttentionBias.head(ofItem: i, run: run, heads: H)`: `[H, T]`. Per head, its
    /// items are summed position by position first (in item order, a vector add per item), then the
    /// `n·m` sums are scattered into the table once. `run` 1 is `gather`'s item order (head-minor).
    package static func scatter(_ g: Tensor, indices: [Int], heads H: Int, tableSize T: Int, run: Int = 1) -> Tensor {
        let NN = indices.count, items = g.count / NN
        var d = Tensor(shape: [H, T], repeating: 0)
        d.withUnsafeMutableBufferPointer { db in g.withUnsafeBufferPointer { sb in indices.withUnsafeBufferPointer { ib in
            let D = db.baseAddress!, S = sb.baseAddress!, I = ib.baseAddress!
            Parallel.forEach(H, grain: 1) { r in
                let sums = UnsafeMutablePointer<Float>.allocate(capacity: NN)
                defer { sums.deallocate() }
                for h in r {
                    sums.update(repeating: 0, count: NN)
                    for item in 0..<items where AttentionBias.head(ofItem: item, run: run, heads: H) == h {
                        let src = S + item * NN
                        for p in 0..<NN { sums[p] += src[p] }
                    }
                    let row = D + h * T
                    for p in 0..<NN { row[I[p]] += sums[p] }
                }
            }
        } } }
        return d
    }
}
