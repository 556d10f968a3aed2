import CCodecShims
import CTIFF
import Foundation
import TensorCore

/// TIFF reader and writer backed by libtiff (errors captured per handle by `CCodecShims`).
///
/// Reading: unsigned/signed integer samples of 8, 16, 32, 64 bits, IEEE floats of 16, 32, 64
/// bits, and unsigned 1/2/4-bit samples (decoded to `uint8` holding the file's values, not
/// rescaled); any number of samples per pixel; contiguous or separate planes; strips or tiles;
/// any page of a multi-page file; every compression this libtiff decodes. Samples come back
/// interleaved `[H, W, C]` in host byte order, as stored (photometric is reported in
/// `info.colorModel`, not applied: palette images give their indices, MinIsWhite is not inverted).
/// The Orientation tag is not applied (rows come in file order). YCbCr images and sample formats
/// outside the list above (12-bit, complex, ...) are rejected with `ImageIOError.unsupported`.
public enum TIFFCodec {
    /// Compression schemes the writer offers.
    public enum Compression: String, Sendable, CaseIterable {
        case none, lzw, deflate, packbits

        var code: UInt16 {
            switch self {
            case .none: return UInt16(COMPRESSION_NONE)
            case .lzw: return UInt16(COMPRESSION_LZW)
            case .deflate: return UInt16(COMPRESSION_ADOBE_DEFLATE)
            case .packbits: return UInt16(COMPRESSION_PACKBITS)
            }
        }
    }

    /// How `write` lays the samples out in the file.
    public struct WriteOptions: Sendable, Equatable {
        public var compression: Compression
        /// Tile size in pixels (both multiples of 16); nil writes strips.
        public var tileWidth: Int?
        public var tileHeight: Int?
        /// PLANARCONFIG_SEPARATE (one plane per channel) instead of contiguous.
        public var planar: Bool
        /// Rows per strip (nil: about 8 KiB per strip).
        public var rowsPerStrip: Int?
        /// Write BigTIFF (64-bit offsets).
        public var bigTIFF: Bool

        public init(compression: Compression = .none, tileWidth: Int? = nil, tileHeight: Int? = nil,
                    planar: Bool = false, rowsPerStrip: Int? = nil, bigTIFF: Bool = false) {
            self.compression = compression
            self.tileWidth = tileWidth
            self.tileHeight = tileHeight
            self.planar = planar
            self.rowsPerStrip = rowsPerStrip
            self.bigTIFF = bigTIFF
        }
    }

    /// Element types the writer accepts.
    public static let writableTypes: [DType] = [.uint8, .int8, .uint16, .int16, .uint32, .int32, .uint64, .int64,
                                                .float16, .float32, .float64]

    // MARK: reading

    /// Decodes page `page` (0-based) of the TIFF at `url`.
    public static func read(_ url: URL, page: Int = 0, options: ImageReadOptions = .standard) throws -> RawImage {
        try decode(FileBytes.read(url), page: page, file: ImageIOError.name(url), options: options)
    }

    /// Number of pages (directories) in the TIFF at `url`.
    public static func pageCount(_ url: URL) throws -> Int {
        let bytes = try FileBytes.read(url)
        return try withReader(bytes, file: ImageIOError.name(url), options: .allowHugeImages) { t in
            try pages(t, file: ImageIOError.name(url))
        }
    }

    /// What page `page` of the TIFF at `url` holds (no pixel decoding).
    public static func info(_ url: URL, page: Int = 0) throws -> ImageInfo {
        try info(FileBytes.read(url), page: page, file: ImageIOError.name(url))
    }

    /// What page `page` of the TIFF held in `bytes` holds (no pixel decoding); `file` names it in errors.
    public static func info(_ bytes: [UInt8], page: Int = 0, file: String) throws -> ImageInfo {
        try withReader(bytes, file: file, options: .allowHugeImages) { t in
            try layout(t, page: page, bytes: bytes, file: file, options: .allowHugeImages).info
        }
    }

    /// Decodes page `page` of TIFF bytes; `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], page: Int = 0, file: String, options: ImageReadOptions = .standard) throws -> RawImage {
        try withReader(bytes, file: file, options: options) { t in
            let l = try layout(t, page: page, bytes: bytes, file: file, options: options)
            var out = [UInt8](repeating: 0, count: l.width * l.height * l.channels * l.dtype.byteSize)
            try out.withUnsafeMutableBytes { dst in try decodePixels(t, l, into: dst.baseAddress!, file: file) }
            var image = RawImage(width: l.width, height: l.height, channels: l.channels, dtype: l.dtype, bytes: out)
            var info = l.info
            let w = cString(aims_tiff_warning(t))
            if !w.isEmpty { info.warning = w }
            image.info = info
            return image
        }
    }

    /// Opens `bytes` with libtiff for the duration of `body`.
    static func withReader<R>(_ bytes: [UInt8], file: String, options: ImageReadOptions,
                              _ body: (OpaquePointer) throws -> R) throws -> R {
        guard let format = ImageFormat.sniff(prefix: bytes), format == .tiff || format == .bigTIFF else {
            if bytes.count < 8 {
                throw ImageIOError.truncated(file: file, field: "TIFF header", expectedBytes: 8, availableBytes: bytes.count)
            }
            throw ImageIOError.invalidField(file: file, field: "TIFF byte-order mark", expected: "49 49 2A 00, 4D 4D 00 2A (or BigTIFF 2B)",
                                            got: bytes.prefix(4).map { String(format: "%02X", $0) }.joined(separator: " "))
        }
        return try bytes.withUnsafeBufferPointer { src in
            var message = [CChar](repeating: 0, count: 512)
            // Bound libtiff's own allocations (strip/tile buffers, tag arrays) as well.
            let cap = UInt64(min(Int64.max / 8, Int64(min(options.maxPixels, 1 << 30)) * 16 + (64 << 20)))
            guard let t = aims_tiff_open_memory(src.baseAddress, src.count, cap, &message, message.count) else {
                throw ImageIOError.codec(file: file, library: "libtiff", message: cString(message))
            }
            defer { var m = [CChar](repeating: 0, count: 8); _ = aims_tiff_close(t, &m, m.count) }
            return try body(t)
        }
    }

    static func pages(_ t: OpaquePointer, file: String) throws -> Int {
        let n = Int(aims_tiff_page_count(t))
        guard n >= 1 else {
            throw ImageIOError.codec(file: file, library: "libtiff", message: "cannot count directories: \(cString(aims_tiff_error(t)))")
        }
        return n
    }

    static func cString(_ p: UnsafePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: strlen(p)), as: UTF8.self)
    }
}
