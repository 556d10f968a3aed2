import Foundation
#if canImport(Glibc)
import Glibc
import TensorCore
#endif

/// An optimiser over a fixed list of parameters. Parameters that are frozen or have no gradient
/// are skipped (as PyTorch skips `grad is None`). State round-trips through `[String: Tensor]`
/// keyed by `<parameter name>.<slot>` plus `step`.
public protocol Optimizer: AnyObject {
    var parameters: [Parameter] { get }
    var learningRate: Float { get set }
    /// Applies one update from the current gradients.
    func step()
    func stateDict() -> [String: Tensor]
    func loadState(_ state: [String: Tensor]) throws
}

public enum OptimizerError: Error, Equatable { case missingState(String), shapeMismatch(String) }

extension Optimizer {
    public func zeroGrad() { for p in parameters { p.grad = nil } }

    func slots(_ names: [String], _ store: [String: [Float]]) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for p in parameters { for s in names { if let v = store[p.name + "." + s] { out[p.name + "." + s] = Tensor(shape: p.value.shape, values: v) } } }
        return out
    }
}

extension Dictionary where Key == String {
    func mapKeys(_ f: (String) -> String) -> [String: Value] { Dictionary(uniqueKeysWithValues: map { (f($0.key), $0.value) }) }
}
