import Tensor

/// One LoRA pair on a projection (`{prefix}.lora_{q,v}_a.weight [r, in]`, `{prefix}.lora_{q,v}_b.weight [out, r]`):
/// `delta(x) = scale · B(A(x))`, no bias, no dropout. SimCMF's reference uses scale 1 (no alpha).
/// Init as the reference: A kaiming-uniform(a = √5), i.e. `U(±1/√in)`; B zeros, so the pair starts as a no-op.
public final class LoRAPair: Module {
    public let a: Parameter
    public let b: Parameter
    public let scale: Float

    /// `name` is the reference's attribute (`lora_q` or `lora_v`); parameters are `{prefix}.{name}_a.weight` / `_b.weight`.
    public init(_ prefix: String, name: String, inFeatures: Int, outFeatures: Int, rank: Int, scale: Float = 1,
                generator: inout SeededGenerator) {
        let bound = 1 / Float(inFeatures).squareRoot()
        a = Parameter(dotted(prefix, name + "_a.weight"), Tensor.uniform([rank, inFeatures], low: -bound, high: bound, using: &generator))
        b = Parameter(dotted(prefix, name + "_b.weight"), .zeros([outFeatures, rank]))
        self.scale = scale
    }

    public var parameters: [Parameter] { [a, b] }

    /// `x [..., in]` → `[..., out]`.
    public func callAsFunction(_ x: Variable) -> Variable {
        let y = linear(linear(x, a.variable), b.variable)
        return scale == 1 ? y : y * scale
    }
}

/// LoRA on the projections of one attention module (the reference's `lora_q_*`, `lora_v_*`; `lora_k_*`
/// is this port's extension, off by default).
public struct LoRAProjections {
    public let q: LoRAPair?
    public let k: LoRAPair?
    public let v: LoRAPair?
    /// Reference registration order: q then v (k, an extension, in between).
    public var parameters: [Parameter] { (q?.parameters ?? []) + (k?.parameters ?? []) + (v?.parameters ?? []) }
}

/// The reference's `Adapter(d, r, scale)` (`{prefix}.Adapter_mlp.{down,up}_proj.{weight,bias}`):
/// `up(ReLU(down(x))) · scale`, no internal residual. down: kaiming-uniform(a = √5) weight, zero bias;
/// up: zero weight and bias, so the adapter starts as a no-op.
public final class MLPAdapter: Module {
    public let down: Linear
    public let up: Linear
    public let scale: Float

    public init(_ prefix: String, dim: Int, hiddenDim: Int, scale: Float = 0.1, generator: inout SeededGenerator) {
        let root = dotted(prefix, "Adapter_mlp")
        down = Linear(dotted(root, "down_proj"), inFeatures: dim, outFeatures: hiddenDim, generator: &generator)
        down.bias!.value = .zeros([hiddenDim])
        up = Linear(dotted(root, "up_proj"), inFeatures: hiddenDim, outFeatures: dim, generator: &generator)
        up.weight.value = .zeros([dim, hiddenDim])
        up.bias!.value = .zeros([dim])
        self.scale = scale
    }

    public var parameters: [Parameter] { down.parameters + up.parameters }

    /// `x [..., dim]` → `[..., dim]`.
    public func callAsFunction(_ x: Variable) -> Variable { up(relu(down(x))) * scale }
}

/// Learned key/value tokens added to an attention module: visual prompt tuning (`deep_prompt_embeddings [1, L, dim]`,
/// projected by the module's own k/v projections, dropout in training) or prefix tuning
/// (`prefix_key_embeddings`, `prefix_value_embeddings [1, L, dim]`).
/// Init as the reference: `U(±√(6 / (3·16 + dim)))`.
public final class ExtraKeyValueTokens: Module {
    public enum Kind: Sendable, Equatable {
        /// One prompt tensor; `dropout` is the probability used while `isTraining` (0.1 in the reference).
        case prompt(dropout: Float)
        /// Separate key and value tensors, no dropout.
        case prefix
    }

    public let kind: Kind
    /// `deep_prompt_embeddings` or `prefix_key_embeddings`, `[1, L, dim]`.
    public let keys: Parameter
    /// `prefix_value_embeddings [1, L, dim]` (nil for a prompt, whose one tensor feeds both k and v).
    public let values: Parameter?
    /// Dropout is applied only while true (set by the trainer; false by default, i.e. eval mode).
    public var isTraining = false
    /// Source of the dropout masks.
    public var dropoutGenerator: SeededGenerator

    public var length: Int { keys.value.shape[1] }

    public init(_ prefix: String, kind: Kind, length: Int, dim: Int, generator: inout SeededGenerator) {
        let bound = (6 / Float(3 * 16 + dim)).squareRoot()
        self.kind = kind
        switch kind {
        case .prompt:
            keys = Parameter(dotted(prefix, "deep_prompt_embeddings"), Tensor.uniform([1, length, dim], low: -bound, high: bound, using: &generator))
            values = nil
        case .prefix:
            keys = Parameter(dotted(prefix, "prefix_key_embeddings"), Tensor.uniform([1, length, dim], low: -bound, high: bound, using: &generator))
            values = Parameter(dotted(prefix, "prefix_value_embeddings"), Tensor.uniform([1, length, dim], low: -bound, high: bound, using: &generator))
        }
        dropoutGenerator = SeededGenerator(seed: generator.next())
    }

    public var parameters: [Parameter] { [keys] + (values.map { [$0] } ?? []) }

    /// `t [1, L, dim]` repeated to `[count, L, dim]`; for a prompt in training, inverted dropout with an
    /// independent mask per copy (as PyTorch's dropout on the expanded tensor).
    func expanded(_ t: Parameter, count: Int) -> Variable {
        let v = t.variable
        var out = count == 1 ? v : Variable.concat(Array(repeating: v, count: count), axis: 0)
        if case .prompt(let p) = kind, isTraining, p > 0 {
            let keep = 1 / (1 - p)
            let shape = out.shape
            let mask = Tensor(shape: shape, unsafeUninitialized: { buf in
                for i in buf.indices { buf[i] = dropoutGenerator.nextUniform() < p ? 0 : keep }
            })
            out = out * Variable(mask)
        }
        return out
    }
}

/// The reference's adapter placement (docs/REFERENCE.md §4) as a wrapper around a block's MLP path:
/// `base(h) + adapter(h)`, the adapter reading the stream before `norm2` — in the ViT
/// `h + mlp(norm2(h)) + adapter(h)`, in the decoder `norm2(t) + mlp(norm2(t)) + adapter(t)` before `norm3`.
public final class AdapterMLPPath: MLPPath {
    public let base: any MLPPath
    public let adapter: MLPAdapter

    public init(base: any MLPPath, adapter: MLPAdapter) { self.base = base; self.adapter = adapter }

    public var addedParameters: [Parameter] { base.addedParameters + adapter.parameters }
    public func callAsFunction(_ h: Variable) -> Variable { base(h) + adapter(h) }
}

/// The two places the reference puts the tokens (docs/REFERENCE.md §4).
extension ExtraKeyValueTokens: KeyValueTokens {
    public var addedParameters: [Parameter] { parameters }

    /// Encoder: a prompt goes through the attention's `qkv` (its q part discarded); a prefix is split into
    /// heads as it is. `[B·heads, L, headDim]` each.
    public func projectedKeysValues(batch B: Int, heads: Int, headDim hd: Int,
                                    project: (Variable) -> Variable) -> (keys: Variable, values: Variable) {
        let (BH, L) = (B * heads, length)
        switch kind {
        case .prompt:
            let p = project(expanded(keys, count: B))                  // [B, L, 3C]
                .reshaped([B, L, 3, heads, hd]).permuted([2, 0, 3, 1, 4]).reshaped([3, BH, L, hd])
            return (p.slice(axis: 0, 1..<2).reshaped([BH, L, hd]), p.slice(axis: 0, 2..<3).reshaped([BH, L, hd]))
        case .prefix:
            func split(_ t: Parameter) -> Variable {
                expanded(t, count: B).reshaped([B, L, heads, hd]).permuted([0, 2, 1, 3]).reshaped([BH, L, hd])
            }
            return (split(keys), split(values!))
        }
    }

    /// Decoder: the tokens concatenated to the key and value inputs before projection (a prompt twice, with
    /// two dropout draws: keys first).
    public func extendInputs(keys k: Variable, values v: Variable) -> (keys: Variable, values: Variable) {
        let B = k.shape[0]
        let kIn = Variable.concat([k, expanded(keys, count: B)], axis: 1)
        let vIn = Variable.concat([v, expanded(values ?? keys, count: B)], axis: 1)
        return (kIn, vIn)
    }

    public func setTraining(_ training: Bool) { isTraining = training }
}
