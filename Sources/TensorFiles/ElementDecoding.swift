import TensorCore

/// Conversion of packed on-disk elements to `Float32` tensors, shared by the NPY, safetensors and
/// `.pth` readers. Plain conversions go through `DType.decode`; little-endian float32 on a
/// little-endian host is a bulk copy.
enum ElementDecoding {
    /// Decodes `count` packed elements of `dtype` from `source` into `destination`.
    static func decode(_ dtype: DType, _ source: UnsafeRawPointer, count: Int, littleEndian: Bool,
                       into destination: UnsafeMutablePointer<Float>) {
        guard count > 0 else { return }
        if dtype == .float32 && littleEndian == (1.littleEndian == 1) {
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        } else {
            dtype.decode(source, count: count, littleEndian: littleEndian, into: destination)
        }
    }

    /// A row-major tensor of `shape` decoded from contiguous packed elements.
    /// - Precondition: `source` holds at least `product(shape) * dtype.byteSize` bytes.
    static func tensor(shape: [Int], dtype: DType, source: UnsafeRawPointer, littleEndian: Bool) -> Tensor {
        Tensor(shape: shape) { out in
            decode(dtype, source, count: out.count, littleEndian: littleEndian, into: out.baseAddress!)
        }
    }

    /// A row-major tensor of `shape` whose element at multi-index `i` is
    /// `source[offset + Σ i_d * strides_d]` (strides and offset in elements).
    /// - Precondition: every addressed element is inside `source`.
    static func gather(shape: [Int], strides: [Int], offset: Int, from source: UnsafeBufferPointer<Float>) -> Tensor {
        Tensor(shape: shape) { out in
            let n = out.count
            guard n > 0 else { return }
            let rank = shape.count
            if rank == 0 { out[0] = source[offset]; return }
            var index = [Int](repeating: 0, count: rank)
            var base = offset
            let inner = shape[rank - 1], innerStride = strides[rank - 1]
            var o = 0
            while o < n {
                // innermost axis as a tight loop
                var s = base
                for _ in 0..<inner { out[o] = source[s]; o += 1; s += innerStride }
                // advance the outer multi-index (odometer)
                var d = rank - 2
                while d >= 0 {
                    index[d] += 1
                    base += strides[d]
                    if index[d] < shape[d] { break }
                    base -= strides[d] * shape[d]
                    index[d] = 0
                    d -= 1
                }
            }
        }
    }

    /// Product of `shape`, or nil if an extent is negative or the product overflows.
    static func checkedCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (m, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = m
        }
        return n
    }

    /// Throws `TensorFileError.tooLarge` when `count` elements, decoded to `Float`, would exceed
    /// `ReadLimits.maxDecodedBytes`: checked before the tensor is allocated.
    static func requireDecodable(count: Int, file: String, field: String) throws {
        guard ReadLimits.checkedBytes(count: count, bytesPerElement: 4) == nil else { return }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: 4)
        throw TensorFileError.tooLarge(file: file, field: field, bytes: overflow ? nil : bytes, limit: ReadLimits.maxDecodedBytes)
    }
}
