import CEngineKernels
import TensorCore

/// The additive term of attention scores.
public enum AttentionBias {
    case none
    /// A dense bias `[B, N, M]`.
    case tensor(Tensor)
    /// A bias `[H, N, M]`, one per head, that all the items of a head share (TinyViT's table bias, the
    /// same in every window; never repeated into `[B, N, M]`): item `i` adds `bias[(i / run) % H]`, with
    /// `run` 1 for head-minor items (`i = window·H + h`) and the number of windows for head-major ones
    /// (`i = h·windows + window`).
    case perHead(Tensor, run: Int)
    /// SAM's decomposed relative position: `zh = q·relHᵀ [B·N, 2h − 1]`, `zw = q·relWᵀ [B·N, 2w − 1]`
    /// (unscaled q), with `N == M == h·w`; the bias of query `(qh, qw)` and key `(kh, kw)` is
    /// `zh[row, qh − kh + h − 1] + zw[row, qw − kw + w − 1]`. Never materialised as `[B, N, M]`.
    case relative(zh: Tensor, zw: Tensor, h: Int, w: Int)

    /// The head whose `[N, M]` bias item `i` of a per-head bias adds.
    static func head(ofItem i: Int, run: Int, heads: Int) -> Int { (i / run) % heads }
}

/// Scaled dot-product attention over a batch of heads: `P = softmax(scale · q·kᵀ + bias)`,
/// `out = P·v` for `q [B, N, d]`, `k [B, M, d]`, `v [B, M, dv]`.
///
/// Each batch item (one head of one window) is computed start to finish on one core
/// (`BLAS.forEachItem`) in blocks of query rows (`rowBlock`), so each block of scores stays in
/// cache between its GEMMs and its softmax.
/// The probabilities are kept for backward when small (`B·N·M ≤ storeLimit`); larger ones (global
/// attention over 4096 tokens: `[heads, 4096, 4096]`) are kept by training's forward (the autodiff
/// `attention` ops) while `AttentionProbabilityBudget` allows, and otherwise backward recomputes
/// each item's scores (one more GEMM per item). Inference (nothing to differentiate) keeps none.
public enum Attention {
    /// Largest `B·N·M` (elements) for which the forward keeps the probabilities (64 MB).
    public static let storeLimit = 16 << 20

    /// Query rows per block: a block of scores (`rows × M`) is about 1 MB, so it stays in L2
    /// between its GEMMs and its softmax (window attention: one block of all 196 rows).
    public static func rowBlock(_ N: Int, _ M: Int) -> Int { Swift.min(N, Swift.max(16, (256 * 1024) / Swift.max(M, 1))) }

    /// Writes rows `r0 ..< r0 + n` of item `i`'s scores `scale · q·kᵀ + bias`, row-softmaxed, into `P [n, M]`;
    /// `q` points at the item's row `r0` (contiguous rows), `k` is the item's keys packed by `products`.
    static func probabilities(_ i: Int, _ r0: Int, _ n: Int, _ P: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
                              _ k: AttentionProducts.Packed, _ products: AttentionProducts, _ N: Int, _ scale: Float,
                              _ bias: AttentionBias) {
        let M = k.rows
        switch bias {
        case .none: break
        case .tensor(let b): b.withUnsafeBufferPointer { P.update(from: $0.baseAddress! + (i * N + r0) * M, count: n * M) }
        case let .perHead(b, run):
            let h = AttentionBias.head(ofItem: i, run: run, heads: b.shape[0])
            b.withUnsafeBufferPointer { P.update(from: $0.baseAddress! + (h * N + r0) * M, count: n * M) }
        case let .relative(zh, zw, h, w):
            zh.withUnsafeBufferPointer { hb in zw.withUnsafeBufferPointer { wb in
                engine_relpos_bias_rows(hb.baseAddress! + i * N * (2 * h - 1), wb.baseAddress! + i * N * (2 * w - 1), h, w, r0, n, P)
            } }
        }
        let hasBias: Bool
        if case .none = bias { hasBias = false } else { hasBias = true }
        products.scores(n: n, alpha: scale, a: q, b: k, c: P, accumulate: hasBias)
        engine_softmax_rows(P, n, M)
    }

    static func check(_ q: Tensor, _ k: Tensor, _ v: Tensor, _ bias: AttentionBias) {
        let (B, N, d) = (q.shape[0], q.shape[1], q.shape[2])
        let M = k.shape[1]
        precondition(q.rank == 3 && k.shape == [B, M, d] && v.rank == 3 && v.shape[0] == B && v.shape[1] == M,
                     "attention: q \(q.shape) k \(k.shape) v \(v.shape)")
        checkBias(bias, B, N, M)
    }

    static func checkBias(_ bias: AttentionBias, _ B: Int, _ N: Int, _ M: Int) {
        switch bias {
        case .none: break
        case .tensor(let b): precondition(b.shape == [B, N, M], "attention: bias \(b.shape), expected \([B, N, M])")
        case let .perHead(b, run):
            precondition(b.rank == 3 && b.shape[0] > 0 && B % b.shape[0] == 0 && b.shape[1] == N && b.shape[2] == M && run >= 1,
                         "attention: per-head bias \(b.shape) (run \(run)), expected [H, \(N), \(M)] with H dividing \(B)")
        case let .relative(zh, zw, h, w):
            precondition(N == h * w && M == N && zh.shape == [B * N, 2 * h - 1] && zw.shape == [B * N, 2 * w - 1],
                         "attention: relative bias \(zh.shape) \(zw.shape) for \(h)x\(w) and \(B) items of \(N) queries")
        }
    }

    /// Where each item's rows of one operand are: item `i` is head `i / batches` of batch entry
    /// `i % batches`, starting `offset(i)` floats in, its rows `stride` floats apart. Contiguous items
    /// (`[B, N, width]`) have one head per entry; tokens with the heads side by side (`[b, N, heads·width]`,
    /// as a linear layer writes them) have `batches = b`.
    struct Rows {
        var stride: Int
        var batches: Int
        var batchStride: Int, headStride: Int

        func offset(_ i: Int) -> Int { (i % batches) * batchStride + (i / batches) * headStride }

        /// Items of `rows` rows of `width` floats, one after another.
        static func contiguous(rows: Int, width: Int) -> Rows { Rows(stride: width, batches: 1, batchStride: 0, headStride: rows * width) }

        /// Item `i`'s `rows × width` block with contiguous rows: in place when the layout already is, else
        /// gathered into a buffer of its own (rows far apart share cache sets, which slows the products).
        func input(_ base: UnsafePointer<Float>, item i: Int, rows: Int, width: Int) -> ItemBlock {
            guard stride != width else { return ItemBlock(pointer: UnsafeMutablePointer(mutating: base + offset(i)), owned: false) }
            let block = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
            for r in 0..<rows { (block + r * width).update(from: base + offset(i) + r * stride, count: width) }
            return ItemBlock(pointer: block, owned: true)
        }

        /// Where to write item `i`'s `rows × width` block contiguously: in place, or a buffer for `finish`.
        func output(_ base: UnsafeMutablePointer<Float>, item i: Int, rows: Int, width: Int) -> ItemBlock {
            stride == width ? ItemBlock(pointer: base + offset(i), owned: false) : ItemBlock(pointer: .allocate(capacity: rows * width), owned: true)
        }

        /// Scatters an `output` buffer into place (nothing to do when it was in place) and frees it.
        func finish(_ block: ItemBlock, _ base: UnsafeMutablePointer<Float>, item i: Int, rows: Int, width: Int) {
            guard block.owned else { return }
            for r in 0..<rows { (base + offset(i) + r * stride).update(from: block.pointer + r * width, count: width) }
            block.release()
        }
    }

    /// One item's block of an operand with contiguous rows; `owned` when it is a copy to free.
    struct ItemBlock {
        let pointer: UnsafeMutablePointer<Float>
        let owned: Bool
        func release() { if owned { pointer.deallocate() } }
    }

    /// Pointers and extents of one attention problem: `q [B, N, d]`, `k [B, M, d]`, `v [B, M, dv]`, and the
    /// layouts of q (also of dq), k (dk), v (dv) and of the output (also of the upstream gradient).
    struct Operands {
        var Q, K, V: UnsafePointer<Float>
        var B, N, M, d, dv: Int
        var q, k, v, out: Rows

        init(Q: UnsafePointer<Float>, K: UnsafePointer<Float>, V: UnsafePointer<Float>, B: Int, N: Int, M: Int, d: Int, dv: Int,
             layouts: (q: Rows, k: Rows, v: Rows, out: Rows)? = nil) {
            (self.Q, self.K, self.V, self.B, self.N, self.M, self.d, self.dv) = (Q, K, V, B, N, M, d, dv)
            (q, k, v, out) = layouts ?? (.contiguous(rows: N, width: d), .contiguous(rows: M, width: d), .contiguous(rows: M, width: dv),
                                         .contiguous(rows: N, width: dv))
        }
    }

    /// Which probabilities a forward keeps for backward.
    package enum Keep {
        case always, never
        /// Those within `storeLimit`.
        case small
        /// Those within `storeLimit`, and larger ones while `AttentionProbabilityBudget` allows.
        case budgeted
    }

    /// Output `[B, N, dv]`, and the probabilities `[B, N, M]` when they are kept (`B·N·M ≤ storeLimit`;
    /// `keepProbabilities` overrides the size rule).
    public static func forward(q: Tensor, k: Tensor, v: Tensor, bias: AttentionBias, scale: Float,
                               keepProbabilities: Bool? = nil) -> (out: Tensor, probs: Tensor?) {
        let r = forward(q: q, k: k, v: v, bias: bias, scale: scale, keep: keepProbabilities.map { $0 ? .always : .never } ?? .small)
        return (r.out, r.kept?.tensor)
    }

    package static func forward(q: Tensor, k: Tensor, v: Tensor, bias: AttentionBias, scale: Float, keep: Keep)
        -> (out: Tensor, kept: KeptAttentionProbabilities?) {
        check(q, k, v, bias)
        return q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
            forward(Operands(Q: qb.baseAddress!, K: kb.baseAddress!, V: vb.baseAddress!, B: q.shape[0], N: q.shape[1], M: k.shape[1],
                             d: q.shape[2], dv: v.shape[2]), bias, scale, keep)
        } } }
    }

    /// Self-attention on a packed `qkv [3, B, N, d]` (q, k, v stacked on the first axis, as SAM's
    /// `qkv.reshape(B, N, 3, heads, hd).permute(2, 0, 3, 1, 4)` gives) without splitting it.
    public static func forward(packed qkv: Tensor, bias: AttentionBias, scale: Float,
                               keepProbabilities: Bool? = nil) -> (out: Tensor, probs: Tensor?) {
        let r = forward(packed: qkv, bias: bias, scale: scale, keep: keepProbabilities.map { $0 ? .always : .never } ?? .small)
        return (r.out, r.kept?.tensor)
    }

    package static func forward(packed qkv: Tensor, bias: AttentionBias, scale: Float, keep: Keep) -> (out: Tensor, kept: KeptAttentionProbabilities?) {
        precondition(qkv.rank == 4 && qkv.shape[0] == 3, "attention: packed qkv \(qkv.shape), expected [3, B, N, d]")
        let (B, N, d) = (qkv.shape[1], qkv.shape[2], qkv.shape[3]), third = B * N * d
        checkBias(bias, B, N, N)
        return qkv.withUnsafeBufferPointer { b in
            forward(Operands(Q: b.baseAddress!, K: b.baseAddress! + third, V: b.baseAddress! + 2 * third, B: B, N: N, M: N, d: d, dv: d),
                    bias, scale, keep)
        }
    }

    /// The output has shape `outShape` (default `[B, N, dv]`) and layout `o.out`.
    static func forward(_ o: Operands, _ bias: AttentionBias, _ scale: Float, _ keep: Keep, outShape: [Int]? = nil)
        -> (out: Tensor, kept: KeptAttentionProbabilities?) {
        let (B, N, M, d, dv) = (o.B, o.N, o.M, o.d, o.dv)
        var reservation: AttentionProbabilityBudget.Reservation? = nil
        let keeps: Bool
        switch keep {
        case .always: keeps = true
        case .never: keeps = false
        case .small: keeps = B * N * M <= storeLimit
        case .budgeted:
            if B * N * M <= storeLimit { keeps = true } else {
                reservation = AttentionProbabilityBudget.reserve(B * N * M * MemoryLayout<Float>.stride)
                keeps = reservation != nil
            }
        }
        var probs: Tensor? = keeps ? Tensor(shape: [B, N, M], unsafeUninitialized: { _ in }) : nil
        var out = Tensor(shape: outShape ?? [B, N, dv], unsafeUninitialized: { _ in })
        let biasBox = UnsafeSendableBox(bias)
        out.withUnsafeMutableBufferPointer { ob in
            let Q = o.Q, K = o.K, V = o.V, O = ob.baseAddress!
            let store: UnsafeMutablePointer<Float>? = probs == nil ? nil : probs!.withUnsafeMutableBufferPointer { $0.baseAddress! }
            let rb = rowBlock(N, M), products = AttentionProducts(d: d, dv: dv)
            BLAS.forEachItem(B) { i in
                let scratch: UnsafeMutablePointer<Float>? = store == nil ? .allocate(capacity: rb * M) : nil
                let keys = products.pack(K + o.k.offset(i), rows: M, width: d, stride: o.k.stride)
                let q = o.q.input(Q, item: i, rows: N, width: d), v = o.v.input(V, item: i, rows: M, width: dv)
                let values = products.values(v.pointer, rows: M, width: dv)
                let out = o.out.output(O, item: i, rows: N, width: dv)
                defer { scratch?.deallocate(); keys.release(); q.release(); values.release(); v.release() }
                for r0 in stride(from: 0, to: N, by: rb) {
                    let n = Swift.min(rb, N - r0)
                    let P = store.map { $0 + (i * N + r0) * M } ?? scratch!
                    probabilities(i, r0, n, P, q.pointer + r0 * d, keys, products, N, scale, biasBox.value)
                    products.apply(n: n, a: P, b: values, c: out.pointer + r0 * dv)
                }
                o.out.finish(out, O, item: i, rows: N, width: dv)
            }
        }
        _ = probs?.count   // keep `probs` (whose storage `store` points into) alive through the loop
        return (out, probs.map { KeptAttentionProbabilities($0, reservation) })
    }

    /// Gradients of `forward` for the upstream `g [B, N, dv]`: dq, dk, dv, and the gradient of the
    /// bias — `dS [B, N, M]` for a tensor bias (per item for a per-head bias: the caller sums each head's
    /// items), or `(gZh, gZw)` (same layouts as `zh`, `zw`) for a relative bias. `probs` is the forward's
    /// kept probabilities, or nil to recompute them.
    public static func backward(q: Tensor, k: Tensor, v: Tensor, bias: AttentionBias, scale: Float, probs: Tensor?, g: Tensor,
                                need: (q: Bool, k: Bool, v: Bool, bias: Bool))
        -> (dq: Tensor?, dk: Tensor?, dv: Tensor?, dBias: Tensor?, dZh: Tensor?, dZw: Tensor?) {
        check(q, k, v, bias)
        var dq = need.q ? Tensor(shape: q.shape, unsafeUninitialized: { _ in }) : nil
        var dk = need.k ? Tensor(shape: k.shape, unsafeUninitialized: { _ in }) : nil
        var dV = need.v ? Tensor(shape: v.shape, unsafeUninitialized: { _ in }) : nil
        let r = q.withUnsafeBufferPointer { qb in k.withUnsafeBufferPointer { kb in v.withUnsafeBufferPointer { vb in
            backward(Operands(Q: qb.baseAddress!, K: kb.baseAddress!, V: vb.baseAddress!, B: q.shape[0], N: q.shape[1], M: k.shape[1],
                              d: q.shape[2], dv: v.shape[2]),
                     DQ: pointer(&dq), DK: pointer(&dk), DV: pointer(&dV), bias, scale, probs, g, need.bias)
        } } }
        _ = (dq?.count, dk?.count, dV?.count)
        return (dq, dk, dV, r.dBias, r.dZh, r.dZw)
    }

    /// Backward of `forward(packed:)`: the gradient of the packed `qkv [3, B, N, d]` (and of the bias).
    public static func backward(packed qkv: Tensor, bias: AttentionBias, scale: Float, probs: Tensor?, g: Tensor, needBias: Bool)
        -> (dqkv: Tensor, dBias: Tensor?, dZh: Tensor?, dZw: Tensor?) {
        let (B, N, d) = (qkv.shape[1], qkv.shape[2], qkv.shape[3]), third = B * N * d
        var dqkv: Tensor? = Tensor(shape: qkv.shape, unsafeUninitialized: { _ in })
        let D = pointer(&dqkv)!
        let r = qkv.withUnsafeBufferPointer { b in
            backward(Operands(Q: b.baseAddress!, K: b.baseAddress! + third, V: b.baseAddress! + 2 * third, B: B, N: N, M: N, d: d, dv: d),
                     DQ: D, DK: D + third, DV: D + 2 * third, bias, scale, probs, g, needBias)
        }
        return (dqkv!, r.dBias, r.dZh, r.dZw)
    }

    /// Base address of a uniquely referenced tensor's storage (valid while the tensor lives unmodified).
    static func pointer(_ t: inout Tensor?) -> UnsafeMutablePointer<Float>? {
        t == nil ? nil : t!.withUnsafeMutableBufferPointer { $0.baseAddress! }
    }

    static func backward(_ o: Operands, DQ: UnsafeMutablePointer<Float>?, DK: UnsafeMutablePointer<Float>?, DV: UnsafeMutablePointer<Float>?,
                         _ bias: AttentionBias, _ scale: Float, _ probs: Tensor?, _ g: Tensor, _ needBias: Bool)
        -> (dBias: Tensor?, dZh: Tensor?, dZw: Tensor?) {
        let (B, N, M, d, dvn) = (o.B, o.N, o.M, o.d, o.dv)
        precondition(g.count == B * N * dvn, "attention backward: upstream \(g.shape), expected \(B * N * dvn) values")
        var dBias: Tensor? = nil, dZh: Tensor? = nil, dZw: Tensor? = nil
        var relH = 0, relW = 0
        if needBias {
            switch bias {
            case .none: break
            case .tensor, .perHead: dBias = Tensor(shape: [B, N, M], unsafeUninitialized: { _ in })
            case let .relative(zh, zw, h, w):
                dZh = Tensor(shape: zh.shape, repeating: 0); dZw = Tensor(shape: zw.shape, repeating: 0); relH = h; relW = w
            }
        }
        let biasBox = UnsafeSendableBox(bias)
        let DB = pointer(&dBias), DZH = pointer(&dZh), DZW = pointer(&dZw)
        g.withUnsafeBufferPointer { gb in
            let Q = o.Q, K = o.K, V = o.V, G = gb.baseAddress!
            let stored: UnsafePointer<Float>? = probs?.withUnsafeBufferPointer { $0.baseAddress! }
            let rb = rowBlock(N, M), products = AttentionProducts(d: d, dv: dvn)
            BLAS.forEachItem(B) { i in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (stored == nil ? 2 : 1) * rb * M)
                let values = products.pack(V + o.v.offset(i), rows: M, width: dvn, stride: o.v.stride)
                let keys = stored == nil ? products.pack(K + o.k.offset(i), rows: M, width: d, stride: o.k.stride) : nil
                let q = o.q.input(Q, item: i, rows: N, width: d), g = o.out.input(G, item: i, rows: N, width: dvn)
                let k = DQ == nil ? nil : o.k.input(K, item: i, rows: M, width: d)
                let kValues = k.map { products.values($0.pointer, rows: M, width: d) }
                let dq = DQ.map { o.q.output($0, item: i, rows: N, width: d) }, dk = DK.map { o.k.output($0, item: i, rows: M, width: d) }
                let dv = DV.map { o.v.output($0, item: i, rows: M, width: dvn) }
                defer { scratch.deallocate(); values.release(); keys?.release(); q.release(); g.release(); kValues?.release(); k?.release() }
                let S = scratch
                for r0 in stride(from: 0, to: N, by: rb) {
                    let n = Swift.min(rb, N - r0), first = r0 == 0
                    let P: UnsafePointer<Float>
                    if let stored { P = stored + (i * N + r0) * M } else {
                        let p = scratch + rb * M
                        probabilities(i, r0, n, p, q.pointer + r0 * d, keys!, products, N, scale, biasBox.value)
                        P = UnsafePointer(p)
                    }
                    let Gb = g.pointer + r0 * dvn, Qb = q.pointer + r0 * d
                    // dP[n, M] = g · vᵀ ; dV[M, dv] += Pᵀ · g
                    products.scores(n: n, alpha: 1, a: Gb, b: values, c: S, accumulate: false)
                    if let dv { products.transposed(n: n, m: M, width: dvn, a: P, b: Gb, c: dv.pointer, accumulate: !first) }
                    engine_softmax_backward_rows(P, S, n, M)   // S = dScores
                    if let dq, let kValues {   // dq = scale · dS · k
                        products.apply(n: n, alpha: scale, a: S, b: kValues, c: dq.pointer + r0 * d)
                    }
                    if let dk {   // dk += scale · dSᵀ · q
                        products.transposed(n: n, m: M, width: d, alpha: scale, a: S, b: Qb, c: dk.pointer, accumulate: !first)
                    }
                    if let DB { (DB + (i * N + r0) * M).update(from: S, count: n * M) }
                    if let DZH, let DZW {
                        engine_relpos_bias_backward_rows(S, relH, relW, r0, n, DZH + i * N * (2 * relH - 1), DZW + i * N * (2 * relW - 1))
                    }
                }
                if let DQ, let dq { o.q.finish(dq, DQ, item: i, rows: N, width: d) }
                if let DK, let dk { o.k.finish(dk, DK, item: i, rows: M, width: d) }
                if let DV, let dv { o.v.finish(dv, DV, item: i, rows: M, width: dvn) }
            }
            _ = probs?.count
        }
        return (dBias, dZh, dZw)
    }
}
