import Dispatch
import TensorCore

/// A value in a differentiable computation: a tensor, and (when gradients are requested) a link to
/// the graph node that computed it.
///
/// Design: there is no global tape. An op records a graph `Node` (its inputs' nodes and a pullback
/// that maps the output gradient to input gradients) only when one of its inputs `requiresGrad`;
/// otherwise the result is a plain constant and nothing is allocated for backward. Inference either
/// uses inputs that need no gradients (frozen parameters, `Variable(tensor)`) or runs inside
/// `withoutGradients`, which records nothing even for trainable parameters.
///
/// The graph holds no values: a node keeps only what its pullback captured (e.g. a linear layer's
/// input), so an intermediate result that no backward step needs is freed as soon as the forward
/// code drops its `Variable` (as in PyTorch). `backward()` walks the nodes in reverse topological
/// order; each node's pullback, its captured activations and its gradient are released as soon as
/// they have been consumed. Leaf gradients accumulate into `Parameter.grad` (or `Variable.grad`).
///
/// A graph belongs to one task/thread (the class is not `Sendable`); kernels inside ops use all cores.
public final class Variable {
    /// The output gradient in, one gradient (or nil) per input out.
    public typealias Pullback = (Tensor) -> [Tensor?]

    /// The forward value.
    public let value: Tensor
    /// The graph node (nil for constants).
    let node: Node?

    /// Whether a gradient flows to this value.
    public var requiresGrad: Bool { node != nil }
    /// The accumulated gradient of a non-parameter leaf after `backward()`.
    public var grad: Tensor? { node?.grad }
    /// The parameter this leaf reads, whose `grad` receives gradients.
    public let parameter: Parameter?
    /// The recorded pullback (nil for leaves, constants, and after backward consumed it).
    var pullback: Pullback? { node?.pullback }

    /// The same value as a constant (cut from the graph, like PyTorch's `detach()`).
    public func detached() -> Variable { Variable(value) }

    /// A leaf holding `value`; `requiresGrad` makes its gradient available in `grad` after backward.
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.parameter = nil
        self.node = requiresGrad ? Node(shape: value.shape, parameter: nil) : nil
    }

    /// A leaf reading a parameter; it requires a gradient exactly when the parameter is trainable
    /// (and recording is on).
    public init(_ parameter: Parameter) {
        self.value = parameter.value
        self.parameter = parameter
        self.node = parameter.trainable && GradientMode.isEnabled ? Node(shape: parameter.value.shape, parameter: parameter) : nil
    }

    init(value: Tensor, node: Node) {
        self.value = value
        self.parameter = nil
        self.node = node
    }

    public var shape: [Int] { value.shape }

    /// Whether an op on `inputs` records a graph node (some input requires a gradient and recording
    /// is on): what `record` decides, for ops that keep extra state only for backward.
    static func recordsGraph(_ inputs: [Variable]) -> Bool {
        GradientMode.isEnabled && inputs.contains { $0.node != nil }
    }

    /// Builds an op's result. `makePullback` is called only if some input requires a gradient (and
    /// recording is on); it receives which inputs do, so it can skip the work and captures for the others.
    public static func record(_ value: Tensor, _ inputs: [Variable],
                              _ makePullback: ([Bool]) -> Pullback) -> Variable {
        if !recordsGraph(inputs) { return Variable(value) }
        let need = inputs.map(\.requiresGrad)
        let node = Node(shape: value.shape, inputs: inputs.map(\.node), pullback: makePullback(need))
        return Variable(value: value, node: node)
    }

    /// Reverse-mode differentiation from this value. Without `seed` it must hold one element and
    /// the seed is 1 (a scalar loss); with `seed` (same shape as `value`) it computes the
    /// vector-Jacobian product. Gradients accumulate into parameters and leaf variables.
    public func backward(seed: Tensor? = nil) { backward(seed: seed, timing: nil) }

    /// `backward`, reporting each pullback's output shape and wall time to `timing` (for profiling).
    public func backward(seed: Tensor?, timing: ((_ outputShape: [Int], _ seconds: Double) -> Void)?) {
        guard let root = node else { return }
        let g0: Tensor
        if let seed {
            precondition(seed.shape == value.shape, "backward: seed \(seed.shape) for value \(value.shape)")
            g0 = seed
        } else {
            precondition(value.count == 1, "backward: value of shape \(value.shape) is not a scalar; pass a seed")
            g0 = Tensor(shape: value.shape, repeating: 1)
        }
        root.backward(g0, timing: timing, hooks: nil)
    }

    /// `backward()` (a scalar loss) telling `hooks` as it goes: `parameterFinished(p)` once the last graph
    /// leaf reading `p` has passed its gradient on, so `p.grad` is final for this backward (parameters that
    /// no path reaches are not reported), and `afterNode()` after every node (to let other work progress).
    /// What data-parallel training overlaps the gradients' sums with (docs/SCALING.md §5).
    public func backward(hooks: BackwardHooks) {
        guard let root = node else { return }
        precondition(value.count == 1, "backward: value of shape \(value.shape) is not a scalar")
        root.backward(Tensor(shape: value.shape, repeating: 1), timing: nil, hooks: hooks)
    }
}

/// What `Variable.backward(hooks:)` reports while it runs (on the calling thread).
public struct BackwardHooks {
    public var parameterFinished: (Parameter) -> Void
    public var afterNode: () -> Void
    public init(parameterFinished: @escaping (Parameter) -> Void, afterNode: @escaping () -> Void = {}) {
        self.parameterFinished = parameterFinished
        self.afterNode = afterNode
    }
}

/// A recorded step of the graph: the nodes of its inputs (nil for inputs without gradients) and its
/// pullback; or a leaf (no pullback) that receives its gradient.
final class Node {
    let shape: [Int]
    var inputs: [Node?]
    var pullback: Variable.Pullback?
    let parameter: Parameter?
    /// Gradient of a non-parameter leaf.
    var grad: Tensor?

    init(shape: [Int], parameter: Parameter?) {
        self.shape = shape
        self.inputs = []
        self.parameter = parameter
    }

    init(shape: [Int], inputs: [Node?], pullback: @escaping Variable.Pullback) {
        self.shape = shape
        self.inputs = inputs
        self.pullback = pullback
        self.parameter = nil
    }

    func backward(_ g0: Tensor, timing: ((_ outputShape: [Int], _ seconds: Double) -> Void)?, hooks: BackwardHooks?) {
        // Iterative post-order DFS gives a topological order (inputs before users).
        var order: [Node?] = []
        var visited = Set<ObjectIdentifier>([ObjectIdentifier(self)])
        var stack: [(Node, Int)] = [(self, 0)]
        while let (node, i) = stack.popLast() {
            if i < node.inputs.count {
                stack.append((node, i + 1))
                if let child = node.inputs[i], visited.insert(ObjectIdentifier(child)).inserted { stack.append((child, 0)) }
            } else {
                order.append(node)
            }
        }
        // With hooks: how many leaves of each parameter are still to come (a parameter may be read more than once).
        var leavesLeft: [ObjectIdentifier: Int] = [:]
        if hooks != nil {
            for case let n? in order { if let p = n.parameter { leavesLeft[ObjectIdentifier(p), default: 0] += 1 } }
        }
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): g0]
        for idx in stride(from: order.count - 1, through: 0, by: -1) {
            guard let node = order[idx] else { continue }
            order[idx] = nil
            defer {
                if let hooks {
                    if let p = node.parameter {
                        let key = ObjectIdentifier(p)
                        leavesLeft[key]! -= 1
                        if leavesLeft[key] == 0 { hooks.parameterFinished(p) }
                    }
                    hooks.afterNode()
                }
            }
            guard let g = pending.removeValue(forKey: ObjectIdentifier(node)) else { node.release(); continue }
            if let pb = node.pullback {
                let t0 = timing == nil ? 0 : DispatchTime.now().uptimeNanoseconds
                let grads = pb(g)
                if let timing { timing(node.shape, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
                precondition(grads.count == node.inputs.count, "pullback returned \(grads.count) gradients for \(node.inputs.count) inputs")
                for (input, gi) in Swift.zip(node.inputs, grads) {
                    guard let input, let gi else { continue }
                    precondition(gi.shape == input.shape, "pullback gradient \(gi.shape) for input \(input.shape)")
                    let key = ObjectIdentifier(input)
                    if var acc = pending.removeValue(forKey: key) { acc.add(gi); pending[key] = acc } else { pending[key] = gi }
                }
                node.release()
            } else if let p = node.parameter {
                p.accumulate(g)
            } else {
                if var acc = node.grad { acc.add(g); node.grad = acc } else { node.grad = g }
            }
        }
    }

    /// Drops the pullback (and the activations it captured) and the links to inputs.
    func release() {
        pullback = nil
        inputs = []
    }
}
