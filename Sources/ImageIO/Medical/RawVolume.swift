import TensorCore

/// An n-dimensional array of voxels in a file's native element type, C order (the last axis
/// varies fastest), host byte order. A NIfTI volume of `nx × ny × nz` voxels is `dims = [nz, ny, nx]`
/// (x fastest, as on disk); a multi-frame DICOM is `[frames, rows, columns, samples]`.
public struct RawVolume: Sendable, Equatable {
    /// Extents, slowest axis first.
    public var dims: [Int]
    public var dtype: DType
    /// `product(dims) * dtype.byteSize` bytes.
    public var bytes: [UInt8]

    public init(dims: [Int], dtype: DType, bytes: [UInt8]) {
        precondition(bytes.count == dims.reduce(1, *) * dtype.byteSize,
                     "RawVolume: \(bytes.count) bytes for \(dims) \(dtype)")
        self.dims = dims
        self.dtype = dtype
        self.bytes = bytes
    }

    public var voxelCount: Int { dims.reduce(1, *) }

    /// The voxels as Float, same shape, scaled as `value * slope + intercept`.
    public func toTensor(slope: Float = 1, intercept: Float = 0) -> Tensor {
        Tensor(shape: dims) { out in
            bytes.withUnsafeBytes { raw in
                dtype.decode(raw.baseAddress!, count: voxelCount, littleEndian: 1.littleEndian == 1, into: out.baseAddress!)
            }
            if slope != 1 || intercept != 0 {
                for i in 0..<out.count { out[i] = out[i] * slope + intercept }
            }
        }
    }

    /// Calls `body` with the values as Float (`value * slope + intercept`, as `toTensor`), in order, at most
    /// `chunk` at a time, reusing one buffer: statistics over a large volume without a Float copy of it.
    public func forEachChunk(slope: Float = 1, intercept: Float = 0, chunk: Int = 1 << 20, _ body: (UnsafeBufferPointer<Float>) -> Void) {
        let n = voxelCount, size = dtype.byteSize
        var buffer = [Float](repeating: 0, count: Swift.max(1, Swift.min(chunk, n)))
        bytes.withUnsafeBytes { raw in
            var start = 0
            while start < n {
                let count = Swift.min(buffer.count, n - start)
                buffer.withUnsafeMutableBufferPointer { out in
                    dtype.decode(raw.baseAddress! + start * size, count: count, littleEndian: 1.littleEndian == 1, into: out.baseAddress!)
                    if slope != 1 || intercept != 0 {
                        for i in 0..<count { out[i] = out[i] * slope + intercept }
                    }
                    body(UnsafeBufferPointer(rebasing: out[0..<count]))
                }
                start += count
            }
        }
    }
}
