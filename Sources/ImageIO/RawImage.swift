import TensorCore

/// A decoded raster in its file's native element type: `height × width` pixels of `channels`
/// interleaved samples (chunky order, `[H, W, C]`), host byte order.
///
/// Decoders never rescale: a 16-bit PNG keeps its counts 0…65535 and a float TIFF its values.
/// Conversion to a `Float` tensor is explicit (`toTensor`).
public struct RawImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Samples per pixel (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA, or any count for TIFF/raw).
    public var channels: Int
    public var dtype: DType
    /// Packed samples, `height * width * channels * dtype.byteSize` bytes, host byte order.
    public var bytes: [UInt8]
    /// What the file said about this image (format, bit depth, compression, ...); nil for
    /// images built in memory. Writers ignore it.
    public var info: ImageInfo? = nil

    public init(width: Int, height: Int, channels: Int, dtype: DType, bytes: [UInt8]) {
        precondition(bytes.count == width * height * channels * dtype.byteSize,
                     "RawImage: \(bytes.count) bytes for \(width)x\(height)x\(channels) \(dtype)")
        self.width = width
        self.height = height
        self.channels = channels
        self.dtype = dtype
        self.bytes = bytes
    }

    /// Number of samples (`height * width * channels`).
    public var sampleCount: Int { width * height * channels }

    /// The samples as a `[C, H, W]` Float tensor in the file's own units (no scaling).
    public func toTensor() -> Tensor {
        let c = channels, h = height, w = width
        let hw = h * w
        let host = 1.littleEndian == 1, size = dtype.byteSize
        return bytes.withUnsafeBytes { raw in
            let src = raw.baseAddress!
            return Tensor(shape: [c, h, w]) { out in
                let dst = out.baseAddress!
                if c == 1 {
                    // Interleaved is planar: convert straight into the tensor, rows split over the cores.
                    Parallel.forEach(h, grain: max(1, 65_536 / max(w, 1))) { rows in
                        dtype.decode(src + rows.lowerBound * w * size, count: rows.count * w, littleEndian: host,
                                     into: dst + rows.lowerBound * w)
                    }
                    return
                }
                // Row by row through a one-row scratch buffer, rows split over the cores: no interleaved Float copy
                // of the whole image (a 4-byte sample each) on top of the tensor.
                let rowSamples = w * c
                Parallel.forEach(h, grain: max(1, 65_536 / max(rowSamples, 1))) { rows in
                    let row = UnsafeMutablePointer<Float>.allocate(capacity: rowSamples)
                    defer { row.deallocate() }
                    for y in rows {
                        dtype.decode(src + y * rowSamples * size, count: rowSamples, littleEndian: host, into: row)
                        for k in 0..<c {
                            let plane = dst + k * hw + y * w
                            for x in 0..<w { plane[x] = row[x * c + k] }
                        }
                    }
                }
            }
        }
    }

    /// A raw image from a `[C, H, W]` tensor, converting each value to `dtype`
    /// (integers round half to even and saturate).
    public init(tensor: Tensor, dtype: DType) {
        precondition(tensor.rank == 3, "RawImage(tensor:): expected [C, H, W], got \(tensor.shape)")
        let c = tensor.shape[0], h = tensor.shape[1], w = tensor.shape[2]
        let hw = h * w
        var out = [UInt8](repeating: 0, count: c * hw * dtype.byteSize)
        func encode(_ src: UnsafeBufferPointer<Float>) {
            out.withUnsafeMutableBytes { dst in dtype.encode(src.baseAddress!, count: c * hw, littleEndian: 1.littleEndian == 1, into: dst.baseAddress!) }
        }
        if c == 1 {   // planar is interleaved
            tensor.withUnsafeBufferPointer(encode)
        } else {
            var interleaved = [Float](repeating: 0, count: c * hw)
            tensor.withUnsafeBufferPointer { src in
                for p in 0..<hw { for k in 0..<c { interleaved[p * c + k] = src[k * hw + p] } }
            }
            interleaved.withUnsafeBufferPointer(encode)
        }
        self.init(width: w, height: h, channels: c, dtype: dtype, bytes: out)
    }
}
