import Autodiff
import TensorCore

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
