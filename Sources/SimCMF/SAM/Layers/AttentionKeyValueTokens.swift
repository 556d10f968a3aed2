import Autodiff

/// A swappable attention extension: learned key/value tokens an attention appends after its own keys
/// (visual prompt or prefix tuning, `ExtraKeyValueTokens`). Plain SAM has none (`NoKeyValueTokens`, L = 0),
/// and the attention then takes its fast path; the relative-position bias of the ViT covers its image keys only.
public protocol KeyValueTokens: AnyObject {
    /// L, the number of extra keys per (image, head); 0 for none.
    var length: Int { get }
    /// The extension's tensors, registered by the attention after its own (the reference's order).
    var addedParameters: [Parameter] { get }
    /// The image encoder's form: extra keys and values after projection, `[B·heads, L, headDim]` each;
    /// `project` is the attention's `qkv` projection (`[..., dim]` → `[..., 3·dim]`, `[q | k | v]`).
    func projectedKeysValues(batch: Int, heads: Int, headDim: Int, project: (Variable) -> Variable) -> (keys: Variable, values: Variable)
    /// The mask decoder's form: the key and value inputs `[B, Nk, dim]` extended before projection → `[B, Nk + L, dim]`.
    func extendInputs(keys: Variable, values: Variable) -> (keys: Variable, values: Variable)
    /// Train or eval mode (a prompt's dropout acts in training only).
    func setTraining(_ training: Bool)
}

/// No extra tokens: the attention of plain SAM.
public final class NoKeyValueTokens: KeyValueTokens {
    public init() {}
    public var length: Int { 0 }
    public var addedParameters: [Parameter] { [] }
    public func projectedKeysValues(batch: Int, heads: Int, headDim: Int, project: (Variable) -> Variable) -> (keys: Variable, values: Variable) {
        let empty = Variable(.zeros([batch * heads, 0, headDim]))
        return (empty, empty)
    }
    public func extendInputs(keys: Variable, values: Variable) -> (keys: Variable, values: Variable) { (keys, values) }
    public func setTraining(_ training: Bool) {}
}
