import Foundation
import TensorCore

/// How much memory training may spend keeping large attention probabilities for backward.
///
/// Attention keeps its probabilities `[B, N, M]` for backward when they are small
/// (`Attention.storeLimit`). Larger ones (SAM ViT's global attention: 805 MB per ViT-B block at
/// 1024²) are kept only while the probabilities kept alive at once stay within this budget;
/// beyond it, backward recomputes them (one more `q·kᵀ` GEMM, the bias and the softmax per item).
/// Both paths give bit-identical gradients, so the budget trades memory for time only.
///
/// Default: `AIMS_ATTENTION_MEMORY_MB` (MiB) when set, otherwise a sixth of physical memory capped
/// at 4 GiB (on 24 GiB: all four global blocks of ViT-B at 1024², three of four of ViT-L/H).
public enum AttentionProbabilityBudget {
    static let lock = NSLock()
    nonisolated(unsafe) static var limit: Int = defaultBytes
    nonisolated(unsafe) static var used = 0

    /// The default budget in bytes (see the type's documentation).
    public static let defaultBytes: Int = {
        if let text = ProcessInfo.processInfo.environment["AIMS_ATTENTION_MEMORY_MB"], let mb = Int(text), mb >= 0 { return mb << 20 }
        return Int(min(ProcessInfo.processInfo.physicalMemory / 6, 4 << 30))
    }()

    /// The budget in bytes; 0 always recomputes large probabilities. Lowering it does not evict
    /// what is kept already.
    public static var bytes: Int {
        get { lock.withLock { limit } }
        set { lock.withLock { limit = Swift.max(0, newValue) } }
    }

    /// Bytes of large probabilities kept alive right now.
    public static var bytesInUse: Int { lock.withLock { used } }

    /// Claims `count` bytes, or nil when they would exceed the budget. The claim lasts as long as the result.
    static func reserve(_ count: Int) -> Reservation? {
        lock.withLock {
            guard used + count <= limit else { return nil }
            used += count
            return Reservation(count)
        }
    }

    /// A claim on the budget, returned when released.
    final class Reservation: @unchecked Sendable {
        let count: Int
        init(_ count: Int) { self.count = count }
        deinit { AttentionProbabilityBudget.lock.withLock { AttentionProbabilityBudget.used -= count } }
    }
}

/// Probabilities an attention forward kept for its backward, with their claim on
/// `AttentionProbabilityBudget` (released when the backward's captures are freed).
public final class KeptAttentionProbabilities {
    public let tensor: Tensor
    let reservation: AttentionProbabilityBudget.Reservation?
    init(_ tensor: Tensor, _ reservation: AttentionProbabilityBudget.Reservation?) { self.tensor = tensor; self.reservation = reservation }
}
