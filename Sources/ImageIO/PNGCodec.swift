import CCodecShims
import Foundation
import TensorFiles

/// PNG reader and writer backed by libpng (through the `CCodecShims` setjmp wrapper).
///
/// Decoding: gray, gray+alpha, RGB, RGBA as stored; palette expanded to RGB (RGBA when the file
/// has tRNS); 1/2/4-bit gray unpacked to `uint8` samples holding the file's values
/// `0...2^bits - 1` (not rescaled; `info.bitDepth` keeps the file's depth); 16-bit to `uint16`
/// in host order with exact values; Adam7 de-interlaced. tRNS of gray/RGB images is not turned
/// into an alpha channel.
public enum PNGCodec {
    /// Decodes the PNG at `url`.
    public static func read(_ url: URL, options: ImageReadOptions = .standard) throws -> RawImage {
        try decode(FileBytes.read(url), file: ImageIOError.name(url), options: options)
    }

    /// The header of the PNG at `url` (no pixel decoding).
    public static func info(_ url: URL) throws -> ImageInfo {
        let bytes = try FileBytes.read(url)
        return try header(bytes, file: ImageIOError.name(url), options: .allowHugeImages).info
    }

    /// Decodes PNG bytes; `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String, options: ImageReadOptions = .standard) throws -> RawImage {
        let (h, info) = try header(bytes, file: file, options: options)
        try options.checkBytes(width: info.width, height: info.height, channels: info.channels, byteSize: info.dtype.byteSize, file: file)
        let (count, overflow) = Int(h.out_row_bytes).multipliedReportingOverflow(by: Int(h.height))
        guard !overflow else { throw ImageIOError.tooLarge(file: file, width: info.width, height: info.height, limit: options.maxPixels) }
        // Deflate expands at most ~1032:1, so a file this short cannot hold the claimed pixels:
        // reject it before allocating (guards against tiny files claiming huge images).
        let (bound, o2) = bytes.count.multipliedReportingOverflow(by: maxDeflateRatio)
        if !o2, count > bound + 65536 {
            throw ImageIOError.truncated(file: file, field: "IDAT data for \(info.width)x\(info.height)x\(info.channels)",
                                         expectedBytes: count / maxDeflateRatio, availableBytes: bytes.count)
        }
        // Every byte is written by libpng (or the call fails and `out` is dropped): no zero fill.
        var out = [UInt8](unsafeUninitializedCapacity: count) { _, n in n = count }
        var header = h
        var message = [CChar](repeating: 0, count: 512)
        var warning = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                aims_png_decode(src.baseAddress, src.count, 0, maxSide, maxSide, &header,
                                dst.baseAddress, dst.count, &message, message.count, &warning, warning.count)
            }
        }
        guard status == 0 else {
            throw ImageIOError.codec(file: file, library: "libpng", message: cString(message))
        }
        var image = RawImage(width: info.width, height: info.height, channels: info.channels, dtype: info.dtype, bytes: out)
        var finalInfo = info
        let w = cString(warning)
        if !w.isEmpty { finalInfo.warning = w }
        image.info = finalInfo
        return image
    }

    /// Runs `body` with the libdeflate fast path of the decoder on or off (tests compare both;
    /// `aims_png_use_fast_path`). Returns nil when libdeflate is not installed.
    static func withFastPath<T>(_ on: Bool, _ body: () throws -> T) rethrows -> T? {
        defer { aims_png_use_fast_path(1) }
        aims_png_use_fast_path(on ? 1 : 0)
        if on && aims_png_fast_path_available() == 0 { return nil }
        return try body()
    }

    /// Images decoded through the fast path so far in this process (tests).
    static var fastPathDecodes: Int { aims_png_fast_path_decodes() }

    /// libpng's own per-side limit; the pixel-count limit is checked in Swift before libpng allocates.
    static let maxSide = UInt32(Int32.max)
    /// Upper bound of deflate's expansion (decoded bytes per compressed byte).
    static let maxDeflateRatio = 1100

    /// Validates the signature and IHDR in Swift (for precise messages), then asks libpng for the
    /// decoded layout.
    static func header(_ bytes: [UInt8], file: String, options: ImageReadOptions) throws -> (header: aims_png_header, info: ImageInfo) {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 8 else {
            throw ImageIOError.truncated(file: file, field: "PNG signature", expectedBytes: 8, availableBytes: bytes.count)
        }
        guard Array(bytes[0..<8]) == signature else {
            throw ImageIOError.invalidField(file: file, field: "PNG signature", expected: "89 50 4E 47 0D 0A 1A 0A",
                                            got: bytes[0..<8].map { String(format: "%02X", $0) }.joined(separator: " "))
        }
        guard bytes.count >= 33 else {
            throw ImageIOError.truncated(file: file, field: "IHDR chunk", expectedBytes: 33, availableBytes: bytes.count)
        }
        func be32(_ o: Int) -> UInt32 { UInt32(bytes[o]) << 24 | UInt32(bytes[o + 1]) << 16 | UInt32(bytes[o + 2]) << 8 | UInt32(bytes[o + 3]) }
        guard be32(8) == 13, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw ImageIOError.invalidField(file: file, field: "first chunk", expected: "IHDR of length 13",
                                            got: "\(String(decoding: bytes[12..<16].map { $0 < 32 || $0 > 126 ? UInt8(ascii: "?") : $0 }, as: UTF8.self)) of length \(be32(8))")
        }
        let width = Int(be32(16)), height = Int(be32(20))
        let depth = Int(bytes[24]), colorType = Int(bytes[25])
        for (name, v) in [("width", width), ("height", height)] where !(1...Int(Int32.max)).contains(v) {
            throw ImageIOError.invalidField(file: file, field: "IHDR \(name)", expected: "1...2147483647", got: "\(v)")
        }
        let allowed: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let depths = allowed[colorType] else {
            throw ImageIOError.invalidField(file: file, field: "IHDR colour type", expected: "0, 2, 3, 4 or 6", got: "\(colorType)")
        }
        guard depths.contains(depth) else {
            throw ImageIOError.invalidField(file: file, field: "IHDR bit depth", expected: depths.map(String.init).joined(separator: ", ") + " for colour type \(colorType)", got: "\(depth)")
        }
        guard bytes[26] == 0 else { throw ImageIOError.invalidField(file: file, field: "IHDR compression method", expected: "0", got: "\(bytes[26])") }
        guard bytes[27] == 0 else { throw ImageIOError.invalidField(file: file, field: "IHDR filter method", expected: "0", got: "\(bytes[27])") }
        guard bytes[28] <= 1 else { throw ImageIOError.invalidField(file: file, field: "IHDR interlace method", expected: "0 or 1", got: "\(bytes[28])") }
        try options.check(width: width, height: height, file: file, widthField: "IHDR width", heightField: "IHDR height")

        var h = aims_png_header()
        var message = [CChar](repeating: 0, count: 512)
        var warning = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBufferPointer { src in
            aims_png_decode(src.baseAddress, src.count, 1, maxSide, maxSide, &h, nil, 0, &message, message.count, &warning, warning.count)
        }
        guard status == 0 else {
            throw ImageIOError.codec(file: file, library: "libpng", message: cString(message))
        }
        var info = ImageInfo(format: .png, width: Int(h.width), height: Int(h.height), channels: Int(h.out_channels),
                             dtype: h.out_bytes_per_sample == 2 ? .uint16 : .uint8, bitDepth: Int(h.bit_depth))
        info.colorModel = ["gray", "?", "rgb", "palette", "gray+alpha", "?", "rgba"][Int(h.color_type)]
        info.compression = "deflate"
        info.interlaced = h.interlace != 0
        if h.bit_depth == 16 { info.byteOrder = "big" }
        let w = cString(warning)
        if !w.isEmpty { info.warning = w }
        return (h, info)
    }

    /// Writes `image` as a PNG, atomically.
    /// - Parameters:
    ///   - image: 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) channels of `uint8` or `uint16`.
    ///   - bitDepth: bits per sample in the file: 8 or 16 (default: from the dtype), or 1/2/4 for
    ///     one-channel `uint8` images whose values are all < 2^bitDepth.
    ///   - interlaced: write Adam7.
    ///   - compressionLevel: zlib level 0...9.
    public static func write(_ image: RawImage, to url: URL, bitDepth: Int? = nil, interlaced: Bool = false,
                             compressionLevel: Int = 6) throws {
        let file = ImageIOError.name(url)
        let colorTypes = [1: 0, 2: 4, 3: 2, 4: 6]
        guard let colorType = colorTypes[image.channels] else {
            throw ImageIOError.unsupported(file: file, field: "channels", value: "\(image.channels)", supported: "1, 2, 3, 4")
        }
        guard image.dtype == .uint8 || image.dtype == .uint16 else {
            throw ImageIOError.unsupported(file: file, field: "dtype", value: image.dtype.rawValue, supported: "uint8, uint16")
        }
        let depth = bitDepth ?? (image.dtype == .uint8 ? 8 : 16)
        let valid = image.dtype == .uint16 ? [16] : (image.channels == 1 ? [1, 2, 4, 8] : [8])
        guard valid.contains(depth) else {
            throw ImageIOError.unsupported(file: file, field: "bit depth", value: "\(depth) for \(image.channels)-channel \(image.dtype.rawValue)",
                                           supported: valid.map(String.init).joined(separator: ", "))
        }
        if depth < 8, let bad = image.bytes.first(where: { Int($0) >= 1 << depth }) {
            throw ImageIOError.invalidField(file: file, field: "sample value", expected: "0...\((1 << depth) - 1) for bit depth \(depth)", got: "\(bad)")
        }
        guard (0...9).contains(compressionLevel) else {
            throw ImageIOError.invalidField(file: file, field: "compression level", expected: "0...9", got: "\(compressionLevel)")
        }
        guard image.width >= 1, image.height >= 1, image.width <= Int(Int32.max), image.height <= Int(Int32.max) else {
            throw ImageIOError.invalidField(file: file, field: "size", expected: "1...2147483647 per side", got: "\(image.width)x\(image.height)")
        }
        try writeAtomically(to: url) { tmp in
            var message = [CChar](repeating: 0, count: 512)
            let status = image.bytes.withUnsafeBufferPointer { src in
                aims_png_encode_file(tmp.path, src.baseAddress, UInt32(image.width), UInt32(image.height), Int32(colorType),
                                     Int32(depth), interlaced ? 1 : 0, Int32(compressionLevel), &message, message.count)
            }
            if status != 0 { throw ImageIOError.codec(file: file, library: "libpng", message: cString(message)) }
        }
    }
}

/// `AtomicFile.write(to:_:)` with I/O failures mapped to `ImageIOError` (codec errors pass through).
func writeAtomically(to url: URL, _ produce: (URL) throws -> Void) throws {
    do {
        try AtomicFile.write(to: url, produce)
    } catch let error as ImageIOError {
        throw error
    } catch {
        throw ImageIOError.io(file: ImageIOError.name(url), reason: "cannot write: \(error.localizedDescription)")
    }
}
