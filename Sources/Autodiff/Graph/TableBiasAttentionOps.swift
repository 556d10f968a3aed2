import TensorKernels

/// Self-attention on a packed `qkv [3, B, N, d]` (items `B = windows · heads`, head-minor) with
/// TinyViT's learned bias `table [heads, T]` gathered by `indices` (`N·N` entries in `0..<T`):
/// `softmax(scale · q·kᵀ + table[item % heads, indices]) · v` → `[B, N, d]`.
/// Equals `attention(q, k, v, bias: attentionBias(table:indices:n:m:repeats:), scale:)` on the split
/// q, k, v, with neither the q/k/v slice copies nor a repeated bias: the bias is gathered once per head
/// (`[heads, N, N]`), and each window's item reads its head's (`AttentionBias.perHead`). The gradient is
/// one packed `[3, B, N, d]` tensor and the table's (summed over the windows).
public func attention(packedQKV qkv: Variable, tableBias table: Variable, indices: [Int], scale: Float) -> Variable {
    let t = qkv.value, tv = table.value
    precondition(t.rank == 4 && t.shape[0] == 3, "attention: packed qkv \(t.shape), expected [3, B, N, d]")
    let (B, N) = (t.shape[1], t.shape[2])
    let (H, T) = (tv.shape[0], tv.shape[1])
    precondition(tv.rank == 2 && H > 0 && B % H == 0, "attention: bias table \(tv.shape) for \(B) items")
    precondition(indices.count == N * N && indices.allSatisfy { $0 >= 0 && $0 < T }, "attention: bias indices for \(N)x\(N) in 0..<\(T)")
    let b = AttentionBias.perHead(BiasTable.gather(tv, indices: indices, repeats: 1).reshaped([H, N, N]), run: 1)
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
/// `attention(packedQKV:tableBias:indices:scale:)`, then `.reshaped([B, heads, N, d]).permuted([0, 2, 1, 3])`,
/// without either rearrangement: the attention reads each item's rows in place in `x` and writes its
/// output in place (`Attention.forward(tokens:order:)`, items head-major), and the bias is gathered once
/// per head (`AttentionBias.perHead` with a run of B windows).
public func windowAttention(qkvProjection x: Variable, heads: Int, biasTable table: Variable, indices: [Int], scale: Float) -> Variable {
    let xv = x.value, tv = table.value
    precondition(xv.rank == 3 && heads > 0 && xv.shape[2] % (3 * heads) == 0,
                 "windowAttention: qkv projection \(xv.shape) for \(heads) heads, expected [B, N, heads·3·d]")
    let (B, N) = (xv.shape[0], xv.shape[1]), T = tv.shape[1]
    precondition(tv.rank == 2 && tv.shape[0] == heads, "windowAttention: bias table \(tv.shape) for \(heads) heads")
    precondition(indices.count == N * N && indices.allSatisfy { $0 >= 0 && $0 < T }, "windowAttention: bias indices for \(N)x\(N) in 0..<\(T)")
    let b = AttentionBias.perHead(BiasTable.gather(tv, indices: indices, repeats: 1).reshaped([heads, N, N]), run: B)
    let (out, kept) = Attention.forward(tokens: xv, b: B, N: N, heads: heads, order: .headsThenParts, bias: b, scale: scale,
                                        keep: Variable.recordsGraph([x, table]) ? .budgeted : .never)
    return Variable.record(out, [x, table]) { need in { g in
        let r = Attention.backward(tokens: xv, b: B, N: N, heads: heads, order: .headsThenParts, bias: b, scale: scale,
                                   probs: kept?.tensor, g: g, needBias: need[1])
        guard need[1], let dS = r.dBias else { return [need[0] ? r.dprojected : nil, nil] }
        let d = BiasTable.scatter(dS, indices: indices, heads: heads, tableSize: T, run: B)
        return [need[0] ? r.dprojected : nil, d]
    } }
}
