/// Self-attention on a packed `qkv [3, B, N, d]` (items `B = windows · heads`, head-minor) with
/// TinyViT's learned bias `table [heads, T]` gathered by `indices` (`N·N` entries in `0..<T`):
/// `softmax(scale · q·kᵀ + table[item % heads, indices]) · v` → `[B, N, d]`.
/// Equals `attention(q, k, v, bias: attentionBias(table:indices:n:m:repeats:), scale:)` on the split
/// q, k, v, with neither the q/k/v slice copies nor a repeated bias: the bias is gathered once per head
/// (`[heads, N, N]`), and each window's item reads its head's (`AttentionBias.perHead`). The gradient is
/// one packed `[3, B, N, d]` tensor and the table's (summed over the windows).
public func attention(qkv: Variable, biasTable table: Variable, indices: [Int], scale: Float) -> Variable {
    let t = qkv.value, tv = table.value
    precondition(t.rank == 4 && t.shape[0] == 3, "attention: packed qkv \(t.shape), expected [3, B, N, d]")
    let (B, N) = (t.shape[1], t.shape[2])
    let (H, T) = (tv.shape[0], tv.shape[1])
    precondition(tv.rank == 2 && H > 0 && B % H == 0, "attention: bias table \(tv.shape) for \(B) items")
    precondition(indices.count == N * N && indices.allSatisfy { $0 >= 0 && $0 < T }, "attention: bias indices for \(N)x\(N) in 0..<\(T)")
    let b = AttentionBias.perHead(BiasTable.gather(tv, indices: indices, repeats: 1).reshaped([H, N, N]))
    let (out, kept) = Attention.forward(packed: t, bias: b, scale: scale, keep: Variable.recordsGraph([qkv, table]) ? .budgeted : .never)
    return Variable.record(out, [qkv, table]) { need in { g in
        let r = Attention.backward(packed: t, bias: b, scale: scale, probs: kept?.tensor, g: g, needBias: need[1])
        guard need[1], let dS = r.dBias else { return [need[0] ? r.dqkv : nil, nil] }
        let d = BiasTable.scatter(dS, indices: indices, heads: H, tableSize: T)
        return [need[0] ? r.dqkv : nil, d]
    } }
}

/// TinyViT's window attention straight from the qkv projection: `x [B, N, heads·3·d]` laid out per
/// token as `[heads, (q | k | v), d]` (TinyViT's `qkv` Linear) → `[B, N, heads·d]` laid out `[heads, d]`
/// (what `proj` reads). Equals `x.reshaped([B, N, heads, 3, d]).permuted([3, 0, 2, 1, 4])` fed to
/// `attention(qkv:biasTable:indices:scale:)`, then `.reshaped([B, heads, N, d]).permuted([0, 2, 1, 3])`,
/// with the two rearrangements (and their adjoints) as direct per-token copies of `d` floats.
public func windowAttention(qkvProjection x: Variable, heads: Int, biasTable table: Variable, indices: [Int], scale: Float) -> Variable {
    let xv = x.value
    precondition(xv.rank == 3 && heads > 0 && xv.shape[2] % (3 * heads) == 0,
                 "windowAttention: qkv projection \(xv.shape) for \(heads) heads, expected [B, N, heads·3·d]")
    let (B, N) = (xv.shape[0], xv.shape[1]), d = xv.shape[2] / (3 * heads)
    let packed = HeadLayout.pack(xv, heads: heads, d: d)
    let packedVariable = Variable.record(packed, [x]) { _ in { g in [HeadLayout.unpack(g, B: B, N: N, heads: heads, d: d)] } }
    let out = attention(qkv: packedVariable, biasTable: table, indices: indices, scale: scale)   // [B·heads, N, d]
    let merged = HeadLayout.merge(out.value, B: B, N: N, heads: heads, d: d)
    return Variable.record(merged, [out]) { _ in { g in [HeadLayout.split(g, heads: heads, d: d)] } }
}

/// Head rearrangements of token-major tensors (one `d`-float copy per token and head; parallel over tokens).
enum HeadLayout {
    /// Copies `count` floats of `d` each between token-major `[B, N, heads, parts, d]` (`tokenMajor`) and
    /// head-major `[parts, B, heads, N, d]`: `toHeads` reads the first and writes the second.
    static func copy(_ src: Tensor, into shape: [Int], B: Int, N: Int, heads: Int, parts: Int, d: Int, toHeads: Bool) -> Tensor {
        src.withUnsafeBufferPointer { sb in
            Tensor(shape: shape, unsafeUninitialized: { ob in
                let S = sb.baseAddress!, O = ob.baseAddress!
                Parallel.forEach(B * N, grain: 16) { r in
                    for token in r {
                        let b = token / N, n = token % N
                        for h in 0..<heads {
                            for part in 0..<parts {
                                let t = ((token * heads + h) * parts + part) * d
                                let m = (((part * B + b) * heads + h) * N + n) * d
                                let (from, to) = toHeads ? (S + t, O + m) : (S + m, O + t)
                                for i in 0..<d { to[i] = from[i] }
                            }
                        }
                    }
                }
            })
        }
    }

    /// `[B, N, heads·3·d]` → `[3, B·heads, N, d]`.
    static func pack(_ x: Tensor, heads: Int, d: Int) -> Tensor {
        let (B, N) = (x.shape[0], x.shape[1])
        return copy(x, into: [3, B * heads, N, d], B: B, N: N, heads: heads, parts: 3, d: d, toHeads: true)
    }

    /// Inverse of `pack`.
    static func unpack(_ p: Tensor, B: Int, N: Int, heads: Int, d: Int) -> Tensor {
        copy(p, into: [B, N, heads * 3 * d], B: B, N: N, heads: heads, parts: 3, d: d, toHeads: false)
    }

    /// `[B·heads, N, d]` → `[B, N, heads·d]`.
    static func merge(_ o: Tensor, B: Int, N: Int, heads: Int, d: Int) -> Tensor {
        copy(o, into: [B, N, heads * d], B: B, N: N, heads: heads, parts: 1, d: d, toHeads: false)
    }

    /// Inverse of `merge`.
    static func split(_ y: Tensor, heads: Int, d: Int) -> Tensor {
        let (B, N) = (y.shape[0], y.shape[1])
        return copy(y, into: [B * heads, N, d], B: B, N: N, heads: heads, parts: 1, d: d, toHeads: true)
    }
}
