import Autodiff
import TensorCore

/// The mask decoder's `Attention(dim, heads, downsample_rate)`: `q/k/v_proj` Linear(dim → dim/ds),
/// `out_proj` Linear(dim/ds → dim); `softmax(q·kᵀ / √headDim)·v` with heads split from the internal dim.
public final class DecoderAttention: Module {
    public let qProj: Linear, kProj: Linear, vProj: Linear, outProj: Linear
    public let heads: Int
    public let internalDim: Int
    /// The projections the forward uses: `q_proj`, `k_proj`, `v_proj` themselves, or fine-tuning wrappers
    /// around them (LoRA's `LoRALinear`: `q = q_proj(q_in) + B_q(A_q(q_in))`, likewise v).
    public internal(set) var qProjection: any Projection
    public internal(set) var kProjection: any Projection
    public internal(set) var vProjection: any Projection
    /// Visual-prompt or prefix tokens concatenated to the key and value *inputs* before `k_proj`/`v_proj`
    /// (fine-tuning; `NoKeyValueTokens` for plain SAM). A prompt is concatenated twice with independent dropout draws.
    public internal(set) var keyValueTokens: any KeyValueTokens = NoKeyValueTokens()

    public init(_ prefix: String, dim: Int, heads: Int, downsampleRate: Int = 1, generator: inout SeededGenerator) {
        internalDim = dim / downsampleRate
        self.heads = heads
        qProj = Linear(dotted(prefix, "q_proj"), inFeatures: dim, outFeatures: internalDim, generator: &generator)
        kProj = Linear(dotted(prefix, "k_proj"), inFeatures: dim, outFeatures: internalDim, generator: &generator)
        vProj = Linear(dotted(prefix, "v_proj"), inFeatures: dim, outFeatures: internalDim, generator: &generator)
        outProj = Linear(dotted(prefix, "out_proj"), inFeatures: internalDim, outFeatures: dim, generator: &generator)
        qProjection = qProj; kProjection = kProj; vProjection = vProj
    }

    public var parameters: [Parameter] {
        qProj.parameters + kProj.parameters + vProj.parameters + outProj.parameters
            + qProjection.addedParameters + kProjection.addedParameters + vProjection.addedParameters + keyValueTokens.addedParameters
    }

    /// `q [B, Nq, dim]`, `k, v [B, Nk, dim]` → `[B, Nq, dim]`.
    public func callAsFunction(q: Variable, k: Variable, v: Variable) -> Variable {
        let hd = internalDim / heads
        func separate(_ x: Variable) -> Variable {
            let (B, N) = (x.shape[0], x.shape[1])
            return x.reshaped([B, N, heads, hd]).permuted([0, 2, 1, 3]).reshaped([B * heads, N, hd])
        }
        let (B, Nq) = (q.shape[0], q.shape[1])
        let (kIn, vIn) = keyValueTokens.extendInputs(keys: k, values: v)
        let qp = qProjection(q), kp = kProjection(kIn), vp = vProjection(vIn)
        let out = attention(separate(qp), separate(kp), separate(vp), scale: 1 / Float(hd).squareRoot())
        return outProj(out.reshaped([B, heads, Nq, hd]).permuted([0, 2, 1, 3]).reshaped([B, Nq, internalDim]))
    }
}
