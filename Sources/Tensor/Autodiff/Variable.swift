import Dispatch

/// A node of the reverse-mode autodiff graph: a value, and (when gradients are requested) the
/// inputs it was computed from and a pullback that maps the output gradient to input gradients.
///
/// Design: there is no global tape. An op records its pullback only when one of its inputs
/// `requiresGrad`; otherwise the result is a plain constant node and nothing is allocated for
/// backward (the no-gradient mode for inference is simply "use inputs that do not require
/// gradients", e.g. frozen parameters or `Variable(tensor)`, or run inside `withoutGradients`).
/// `backward()` walks the recorded
/// graph in reverse topological order; each node's pullback, its captured activations and its
/// gradient are released as soon as they have been consumed. Leaf gradients accumulate into
/// `Parameter.grad` (or `Variable.grad` for non-parameter leaves).
///
/// A graph belongs to one task/thread (the class is not `Sendable`); kernels inside ops use all cores.
public final class Variable {
    /// The output gradient in, one gradient (or nil) per input out.
    public typealias Pullback = (Tensor) -> [Tensor?]

    /// The forward value.
    public let value: Tensor
    /// Whether a gradient flows to this node.
    public let requiresGrad: Bool
    /// The accumulated gradient of a non-parameter leaf after `backward()`.
    public internal(set) var grad: Tensor?
    /// The parameter this leaf reads, whose `grad` receives gradients.
    public let parameter: Parameter?
    var inputs: [Variable]
    var pullback: Pullback?

    /// The same value as a constant (cut from the graph, like PyTorch's `detach()`).
    public func detached() -> Variable { Variable(value) }

    /// A leaf holding `value`; `requiresGrad` makes its gradient available in `grad` after backward.
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.parameter = nil
        self.inputs = []
    }

    /// A leaf reading a parameter; it requires a gradient exactly when the parameter is trainable.
    public init(_ parameter: Parameter) {
        self.value = parameter.value
        self.requiresGrad = parameter.trainable && GradientMode.isEnabled
        self.parameter = parameter
        self.inputs = []
    }

    init(value: Tensor, inputs: [Variable], pullback: @escaping Pullback) {
        self.value = value
        self.requiresGrad = true
        self.parameter = nil
        self.inputs = inputs
        self.pullback = pullback
    }

    public var shape: [Int] { value.shape }

    /// Builds an op's result. `makePullback` is called only if some input requires a gradient; it
    /// receives which inputs do, so it can skip the work (and captures) for the others.
    public static func record(_ value: Tensor, _ inputs: [Variable],
                              _ makePullback: ([Bool]) -> Pullback) -> Variable {
        var any = false
        for v in inputs where v.requiresGrad { any = true; break }
        if !any || !GradientMode.isEnabled { return Variable(value) }
        return Variable(value: value, inputs: inputs, pullback: makePullback(inputs.map(\.requiresGrad)))
    }

    /// Reverse-mode differentiation from this node. Without `seed` the node must hold one element
    /// and the seed is 1 (a scalar loss); with `seed` (same shape as `value`) it computes the
    /// vector-Jacobian product. Gradients accumulate into parameters and leaf variables.
    public func backward(seed: Tensor? = nil) { backward(seed: seed, timing: nil) }

    /// `backward`, reporting each pullback's output shape and wall time to `timing` (for profiling).
    func backward(seed: Tensor?, timing: ((_ outputShape: [Int], _ seconds: Double) -> Void)?) {
        guard requiresGrad else { return }
        let g0: Tensor
        if let seed {
            precondition(seed.shape == value.shape, "backward: seed \(seed.shape) for value \(value.shape)")
            g0 = seed
        } else {
            precondition(value.count == 1, "backward: value of shape \(value.shape) is not a scalar; pass a seed")
            g0 = Tensor(shape: value.shape, repeating: 1)
        }
        // Iterative post-order DFS gives a topological order (inputs before users).
        var order: [Variable?] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Variable, Int)] = [(self, 0)]
        visited.insert(ObjectIdentifier(self))
        while let (node, i) = stack.popLast() {
            if i < node.inputs.count {
                stack.append((node, i + 1))
                let child = node.inputs[i]
                if child.requiresGrad && visited.insert(ObjectIdentifier(child)).inserted { stack.append((child, 0)) }
            } else {
                order.append(node)
            }
        }
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): g0]
        for idx in stride(from: order.count - 1, through: 0, by: -1) {
            guard let node = order[idx] else { continue }
            order[idx] = nil
            let id = ObjectIdentifier(node)
            guard let g = pending.removeValue(forKey: id) else { node.release(); continue }
            if let pb = node.pullback {
                let t0 = timing == nil ? 0 : DispatchTime.now().uptimeNanoseconds
                let grads = pb(g)
                if let timing { timing(node.value.shape, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
                precondition(grads.count == node.inputs.count, "pullback returned \(grads.count) gradients for \(node.inputs.count) inputs")
                for (input, gi) in Swift.zip(node.inputs, grads) {
                    guard input.requiresGrad, let gi else { continue }
                    precondition(gi.shape == input.value.shape, "pullback gradient \(gi.shape) for input \(input.value.shape)")
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
