import Foundation

/// Failures of a distributed job; each names the call, the rank or the tensor at fault.
public enum DistributedError: Error, LocalizedError, Equatable, Sendable {
    /// Open MPI could not be loaded or initialised (`message` says why and what to install).
    case unavailable(message: String)
    /// An MPI call failed with MPI's message.
    case mpi(message: String)
    /// A collective would exceed MPI's 32-bit counts.
    case tooLarge(what: String, count: Int)
    /// The ranks disagree about something they must share (a programming error or mismatched inputs).
    case inconsistent(what: String, detail: String)
    /// The replicas of the model no longer hold the same values: `tensor` is the first (in the model's
    /// order) whose digest differs between rank 0 and `ranks`, found after optimiser step `step`.
    case divergence(tensor: String, ranks: [Int], step: Int)

    public var errorDescription: String? {
        switch self {
        case let .unavailable(message): "MPI unavailable: \(message)"
        case let .mpi(message): "MPI error: \(message)"
        case let .tooLarge(what, count): "\(what): \(count) elements exceed MPI's 32-bit counts"
        case let .inconsistent(what, detail): "ranks disagree on \(what): \(detail)"
        case let .divergence(tensor, ranks, step):
            "the model replicas diverged after step \(step): tensor \(tensor) differs between rank 0 and rank\(ranks.count > 1 ? "s" : "") "
                + ranks.map(String.init).joined(separator: ", ") + " (stopping: the ranks would train different models)"
        }
    }
}
