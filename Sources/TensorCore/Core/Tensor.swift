/// An n-dimensional array of `Float32` values in contiguous row-major order, with copy-on-write
/// value semantics.
///
/// Shapes are written outermost first, e.g. an image is `[C, H, W]` and a batch of token grids
/// `[B, H, W, D]`. A rank-0 tensor (shape `[]`) holds one scalar. Reshaping shares storage;
/// every other view (transpose, slice) is an explicit copy, so kernels always see dense memory.
public struct Tensor: @unchecked Sendable {
    /// Extent of each axis, outermost first.
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage

    /// Number of elements (the product of `shape`; 1 for a scalar).
    public var count: Int { storage.count }
    /// Number of axes.
    public var rank: Int { shape.count }

    /// A tensor of the given shape with every element equal to `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        let n = Tensor.elementCount(shape)
        self.shape = shape
        self.storage = TensorStorage(count: n, repeating: value)
    }

    /// A tensor of the given shape holding `values` in row-major order.
    /// - Precondition: `values.count` equals the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        let n = Tensor.elementCount(shape)
        precondition(values.count == n, "Tensor: \(values.count) values for shape \(shape) (\(n) elements)")
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: n)
        values.withUnsafeBufferPointer { src in
            if n > 0 { storage.base.initialize(from: src.baseAddress!, count: n) }
        }
    }

    /// A tensor of the given shape whose elements are written by `fill` (which must set every element).
    public init(shape: [Int], unsafeUninitialized fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        let n = Tensor.elementCount(shape)
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: n)
        try fill(storage.buffer)
    }

    /// Wraps existing storage; `storage.count` must equal the product of `shape`.
    public init(shape: [Int], storage: TensorStorage) {
        precondition(Tensor.elementCount(shape) == storage.count,
                     "Tensor: storage of \(storage.count) elements for shape \(shape)")
        self.shape = shape
        self.storage = storage
    }

    /// Product of the extents; a negative extent is a programming error.
    @inlinable public static func elementCount(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape {
            precondition(d >= 0, "Tensor: negative extent in shape \(shape)")
            n *= d
        }
        return n
    }

    /// Row-major strides (in elements) of `shape`.
    public static func strides(of shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    /// Read-only access to the contiguous elements.
    @inlinable public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: storage.count))
    }

    /// Mutable access to the contiguous elements; copies the storage first if it is shared.
    @inlinable public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(storage.buffer)
    }

    /// The elements in row-major order.
    public var scalars: [Float] { withUnsafeBufferPointer { Array($0) } }

    /// The same elements under another shape with the same element count (shares storage).
    /// One extent may be `-1`, inferred from the others.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let inferred = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "Tensor.reshaped: cannot infer \(newShape) from \(shape)")
            s[inferred] = count / known
        }
        precondition(Tensor.elementCount(s) == count, "Tensor.reshaped: \(shape) has \(count) elements, not \(s)")
        return Tensor(shape: s, storage: storage)
    }

    /// Element at a multi-index (one index per axis).
    public subscript(index: Int...) -> Float {
        get { storage.base[flatIndex(index)] }
        set {
            let i = flatIndex(index)
            withUnsafeMutableBufferPointer { $0[i] = newValue }
        }
    }

    /// Row-major offset of a multi-index, bounds-checked.
    public func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "Tensor: index \(index) for shape \(shape)")
        var off = 0
        for (i, d) in zip(index, shape) {
            precondition(i >= 0 && i < d, "Tensor: index \(index) out of bounds for shape \(shape)")
            off = off * d + i
        }
        return off
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(head)\(count > 8 ? ", …" : "")])"
    }
}
