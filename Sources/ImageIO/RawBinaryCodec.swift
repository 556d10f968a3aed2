import Foundation
import TensorCore

/// Describes a headerless binary raster: where the samples start and how they are laid out.
public struct RawImageSpec: Sendable, Equatable, Codable {
    /// Sample order in the file.
    public enum Layout: String, Sendable, Codable {
        /// `[H, W, C]`: all samples of a pixel together.
        case interleaved
        /// `[C, H, W]`: one full plane per channel.
        case planar
    }

    /// Pixels.
    public var width: Int
    public var height: Int
    /// Samples per pixel.
    public var channels: Int
    public var dtype: DType
    /// Byte order of multi-byte samples in the file.
    public var littleEndian: Bool
    /// Bytes to skip at the start of the file (a header this library does not parse).
    public var byteOffset: Int
    public var layout: Layout

    public init(width: Int, height: Int, channels: Int = 1, dtype: DType, littleEndian: Bool = true,
                byteOffset: Int = 0, layout: Layout = .interleaved) {
        self.width = width
        self.height = height
        self.channels = channels
        self.dtype = dtype
        self.littleEndian = littleEndian
        self.byteOffset = byteOffset
        self.layout = layout
    }

    /// Bytes of sample data (`width * height * channels * dtype.byteSize`), nil on overflow.
    public var dataByteCount: Int? {
        let (a, o1) = width.multipliedReportingOverflow(by: height)
        let (b, o2) = a.multipliedReportingOverflow(by: channels)
        let (c, o3) = b.multipliedReportingOverflow(by: dtype.byteSize)
        return o1 || o2 || o3 ? nil : c
    }
}

/// Reads and writes headerless rasters described by a `RawImageSpec`. Trailing bytes after the
/// samples are ignored on reading.
public enum RawBinaryCodec {
    /// Decodes the file at `url` as `spec` describes; the result is interleaved, host order.
    public static func read(_ url: URL, spec: RawImageSpec, options: ImageReadOptions = .standard) throws -> RawImage {
        try decode(FileBytes.read(url), spec: spec, file: ImageIOError.name(url), options: options)
    }

    /// Decodes `bytes` as `spec` describes; `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], spec: RawImageSpec, file: String,
                              options: ImageReadOptions = .standard) throws -> RawImage {
        try options.check(width: spec.width, height: spec.height, file: file, widthField: "spec width", heightField: "spec height")
        guard spec.channels >= 1 else {
            throw ImageIOError.invalidField(file: file, field: "spec channels", expected: ">= 1", got: "\(spec.channels)")
        }
        guard spec.byteOffset >= 0 else {
            throw ImageIOError.invalidField(file: file, field: "spec byteOffset", expected: ">= 0", got: "\(spec.byteOffset)")
        }
        try options.checkBytes(width: spec.width, height: spec.height, channels: spec.channels, byteSize: spec.dtype.byteSize, file: file)
        let need = spec.dataByteCount!
        let available = max(0, bytes.count - spec.byteOffset)
        guard available >= need else {
            throw ImageIOError.truncated(file: file, field: "raw samples at offset \(spec.byteOffset)", expectedBytes: need, availableBytes: available)
        }
        let size = spec.dtype.byteSize
        var out = [UInt8](repeating: 0, count: need)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                let base = src.baseAddress! + spec.byteOffset
                switch spec.layout {
                case .interleaved:
                    dst.baseAddress!.copyMemory(from: base, byteCount: need)
                case .planar:
                    let hw = spec.width * spec.height, c = spec.channels
                    for k in 0..<c {
                        for p in 0..<hw {
                            (dst.baseAddress! + (p * c + k) * size).copyMemory(from: base + (k * hw + p) * size, byteCount: size)
                        }
                    }
                }
            }
        }
        ByteOrder.convert(&out, elementSize: size, fileIsLittleEndian: spec.littleEndian)
        var image = RawImage(width: spec.width, height: spec.height, channels: spec.channels, dtype: spec.dtype, bytes: out)
        var info = ImageInfo(format: .raw, width: spec.width, height: spec.height, channels: spec.channels,
                             dtype: spec.dtype, bitDepth: size * 8)
        info.planar = spec.layout == .planar
        if size > 1 { info.byteOrder = spec.littleEndian ? "little" : "big" }
        image.info = info
        return image
    }

    /// Writes `image` as `spec` describes, atomically. `spec.width/height/channels/dtype` must
    /// match the image; `byteOffset` zero bytes are written before the samples.
    public static func write(_ image: RawImage, to url: URL, spec: RawImageSpec) throws {
        let file = ImageIOError.name(url)
        guard spec.width == image.width, spec.height == image.height, spec.channels == image.channels, spec.dtype == image.dtype else {
            throw ImageIOError.invalidField(file: file, field: "spec", expected: "\(image.width)x\(image.height)x\(image.channels) \(image.dtype.rawValue) (the image)",
                                            got: "\(spec.width)x\(spec.height)x\(spec.channels) \(spec.dtype.rawValue)")
        }
        guard spec.byteOffset >= 0 else {
            throw ImageIOError.invalidField(file: file, field: "spec byteOffset", expected: ">= 0", got: "\(spec.byteOffset)")
        }
        let size = spec.dtype.byteSize
        var samples = image.bytes
        ByteOrder.convert(&samples, elementSize: size, fileIsLittleEndian: spec.littleEndian)
        var out = [UInt8](repeating: 0, count: spec.byteOffset + samples.count)
        out.withUnsafeMutableBytes { dst in
            samples.withUnsafeBytes { src in
                let base = dst.baseAddress! + spec.byteOffset
                switch spec.layout {
                case .interleaved:
                    base.copyMemory(from: src.baseAddress!, byteCount: samples.count)
                case .planar:
                    let hw = spec.width * spec.height, c = spec.channels
                    for k in 0..<c {
                        for p in 0..<hw {
                            (base + (k * hw + p) * size).copyMemory(from: src.baseAddress! + (p * c + k) * size, byteCount: size)
                        }
                    }
                }
            }
        }
        try FileBytes.writeAtomically(out, to: url)
    }
}
