import TensorCore

/// A named, trainable tensor: the unit that checkpoints load and optimisers update.
///
/// `name` is the dotted key of the official state dict (e.g. `image_encoder.blocks.0.attn.qkv.weight`).
/// A frozen parameter (`trainable == false`) gets no gradient and costs no gradient work.
public final class Parameter {
    public let name: String
    public var value: Tensor
    /// Accumulated gradient (same shape as `value`), nil until a backward pass reaches it.
    public var grad: Tensor?
    public var trainable: Bool

    public init(_ name: String, _ value: Tensor, trainable: Bool = true) {
        self.name = name
        self.value = value
        self.trainable = trainable
    }

    /// A graph leaf reading this parameter.
    public var variable: Variable { Variable(self) }

    /// Adds `g` into `grad`.
    public func accumulate(_ g: Tensor) {
        if grad == nil { grad = g } else { grad!.add(g) }
    }

    public func zeroGrad() { grad = nil }
}

/// Anything that owns parameters (layers, models). Names are the full dotted state-dict keys.
public protocol Module: AnyObject {
    /// Every parameter, in a stable order.
    var parameters: [Parameter] { get }
}

extension Module {
    public var trainableParameters: [Parameter] { parameters.filter(\.trainable) }
    public func zeroGrad() { for p in parameters { p.grad = nil } }
    public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }
    /// The state dict: name to value.
    public var stateDict: [String: Tensor] { Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) }) }
}
