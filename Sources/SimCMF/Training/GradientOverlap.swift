import Autodiff
import Distributed
import Dispatch
import TensorCore

/// The trainable parameters' gradients summed over the ranks while the batch's last backward runs
/// (docs/SCALING.md §5): `OverlappedTensorSum` over the parameters in the order backward finishes them, fed by
/// `Variable.backward(hooks:)`. Bit-identical to summing after backward.
///
/// That order is the model's, not the parameters' list order (an alignment module listed last runs first;
/// a parameter no path reaches never finishes), and a bucket can only start once all before it have, so the
/// first step only records it (a `recorder`, summing after backward) and the trainer then fixes rank 0's
/// order for the run's later steps (`Trainer.overlapOrder`), as PyTorch's DDP rebuilds its buckets after its
/// first iteration.
final class GradientOverlap {
    /// The parameters in bucket order.
    private let parameters: [Parameter]
    private let index: [ObjectIdentifier: Int]
    /// nil for a recorder.
    private let sum: OverlappedTensorSum?
    /// The parameters in the order backward finished them.
    private(set) var finishOrder: [Parameter] = []
    /// Seconds spent in the sums' calls during and after backward (handing over, polling, waiting).
    private(set) var seconds = 0.0
    /// Buckets started before backward returned, of `bucketCount`.
    private(set) var startedDuringBackward = 0
    var bucketCount: Int { sum?.buckets.count ?? 0 }
    var isRecorder: Bool { sum == nil }
    private var lastPoll: UInt64 = 0

    /// Sums `ordered` (the parameters in the order backward finishes them) in buckets of `bucketElements` values.
    init(_ ordered: [Parameter], bucketElements: Int, on communicator: any Communicator) {
        parameters = ordered
        index = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { (ObjectIdentifier($1), $0) })
        sum = OverlappedTensorSum(shapes: parameters.map(\.value.shape), bucketElements: bucketElements, on: communicator)
    }

    /// Records the order in which backward finishes `parameters`; sums nothing.
    init(recording parameters: [Parameter]) {
        self.parameters = parameters
        index = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { (ObjectIdentifier($1), $0) })
        sum = nil
    }

    /// `loss.backward()`, each parameter's gradient handed to the sum once final, the sums polled between nodes.
    func backward(_ loss: Variable) throws {
        var failure: Error?
        loss.backward(hooks: BackwardHooks(parameterFinished: { [self] p in
            guard failure == nil, let i = index[ObjectIdentifier(p)] else { return }
            finishOrder.append(p)
            guard let sum else { return }
            do { try timed { try sum.ready(i, p.grad) } } catch { failure = error }
        }, afterNode: { [self] in
            // At most one poll a millisecond: each MPI_Test runs Open MPI's progress engine (a poll of its
            // sockets), and backward has thousands of nodes, many far shorter than that.
            guard failure == nil, let sum else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            guard now - lastPoll >= 1_000_000 else { return }
            lastPoll = now
            do { try timed { try sum.poll() } } catch { failure = error }
        }))
        if let failure { throw failure }
        startedDuringBackward = sum?.startedBuckets ?? 0
    }

    /// Hands over the parameters backward did not reach (in order), waits for every sum, and returns the
    /// summed gradients in the order of `trainable` (nil for a recorder: nothing was summed).
    func finish(_ trainable: [Parameter]) throws -> [Tensor]? {
        guard let sum else { return nil }
        return try timed {
            for (i, p) in parameters.enumerated() where !sum.isHandedOver(i) { try sum.ready(i, p.grad) }
            let summed = try sum.finish()
            return trainable.map { summed[index[ObjectIdentifier($0)]!] }
        }
    }

    private func timed<T>(_ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try body()
    }
}
