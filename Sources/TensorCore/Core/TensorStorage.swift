import CEngineKernels

/// A reference-counted, 64-byte aligned block of `Float32` values: the storage behind `Tensor`.
///
/// Storage is never shared between two tensors that are both mutated: `Tensor` copies it on write
/// (`isKnownUniquelyReferenced`). Kernels reach it through `UnsafeMutableBufferPointer<Float>`.
public final class TensorStorage: @unchecked Sendable {
    /// Number of `Float` elements.
    public let count: Int
    /// Start of the aligned buffer (valid for `count` elements; never nil, even when `count == 0`).
    public let base: UnsafeMutablePointer<Float>

    /// Byte alignment of every tensor buffer (a cache line, and the widest SIMD register on AVX-512).
    public static let alignment = 64

    /// Allocates `count` elements, uninitialised.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        _ = TensorStorage.allocatorConfigured
        self.count = count
        // engine_aligned_alloc (malloc + manual alignment) rather than memalign: see its doc comment.
        guard let raw = engine_aligned_alloc(max(count, 1) * MemoryLayout<Float>.stride) else {
            fatalError("TensorStorage: out of memory allocating \(count) floats")
        }
        self.base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates `count` elements, each set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: value, count: count)
    }

    /// A new storage holding the same values.
    public func copy() -> TensorStorage {
        let other = TensorStorage(uninitializedCount: count)
        other.base.update(from: base, count: count)
        return other
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }

    deinit { engine_aligned_free(base) }

    /// Keeps large freed buffers in the process for reuse instead of returning them to the kernel:
    /// glibc would otherwise `mmap` every buffer above 32 MB afresh and page-fault on first touch,
    /// which costs as much as a GEMM on activation-sized tensors. Runs once, on first allocation.
    static let allocatorConfigured: Bool = {
        engine_configure_allocator()
        return true
    }()
}
