import CCodecShims
import Foundation

/// JPEG reader (and a small writer) backed by the system libjpeg-turbo, through the `CCodecShims`
/// setjmp wrapper: libjpeg errors become `ImageIOError.codec` naming the file, never `exit()`.
///
/// Decoding (8-bit samples, `uint8`, `[H, W, C]`), with libjpeg's and Pillow's defaults (islow
/// integer DCT, fancy upsampling), so pixels equal Pillow's `Image.open(...)`:
/// - greyscale → 1 channel;
/// - YCbCr (and RGB-coded) → 3 channels RGB, converted by libjpeg;
/// - CMYK and YCCK → 4 channels CMYK kept (not converted to RGB); Adobe-inverted samples (an APP14
///   marker is present) are re-inverted so 0 is no ink, as Pillow does.
/// Baseline, extended and progressive Huffman or arithmetic files decode; 12-bit and lossless
/// files give `ImageIOError.unsupported` (this libjpeg-turbo decodes 8-bit samples only).
/// A truncated file, or a scan that ends before the frame's last block, is an error (libjpeg would pad it with
/// grey). EXIF orientation is read into `ImageInfo.orientation` and NOT applied: pixels stay as stored, like
/// Pillow without `ImageOps.exif_transpose`, so dataset label masks drawn on the stored raster stay aligned.
public enum JPEGCodec {
    /// Decodes the JPEG at `url`.
    public static func read(_ url: URL, options: ImageReadOptions = .standard) throws -> RawImage {
        try decode(FileBytes.read(url), file: ImageIOError.name(url), options: options)
    }

    /// The header of the JPEG at `url` (no pixel decoding; no pixel limit).
    public static func info(_ url: URL) throws -> ImageInfo {
        try header(FileBytes.read(url), file: ImageIOError.name(url)).info
    }

    /// Decodes JPEG bytes; `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String, options: ImageReadOptions = .standard) throws -> RawImage {
        let (h, info) = try header(bytes, file: file)
        try options.check(width: info.width, height: info.height, file: file, widthField: "SOF width", heightField: "SOF height")
        try options.checkBytes(width: info.width, height: info.height, channels: info.channels, byteSize: 1, file: file)
        // Every 8x8 luma block costs at least one bit of entropy-coded data, so a file this short
        // cannot hold the claimed pixels: refuse before libjpeg and this function allocate.
        let pixels = info.width * info.height
        if pixels / maxPixelsPerByte > bytes.count + 1024 {
            throw ImageIOError.truncated(file: file, field: "entropy-coded data for \(info.width)x\(info.height)",
                                         expectedBytes: pixels / maxPixelsPerByte, availableBytes: bytes.count)
        }
        let count = pixels * info.channels
        // Every byte is written by libjpeg (or the call fails and `out` is dropped): no zero fill.
        var out = [UInt8](unsafeUninitializedCapacity: count) { _, n in n = count }
        var header = h
        var message = [CChar](repeating: 0, count: 512)
        var warning = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                aims_jpeg_decode(src.baseAddress, src.count, 0, &header, dst.baseAddress, dst.count,
                                 &message, message.count, &warning, warning.count)
            }
        }
        guard status == 0 else { throw ImageIOError.codec(file: file, library: "libjpeg", message: cString(message)) }
        var image = RawImage(width: info.width, height: info.height, channels: info.channels, dtype: .uint8, bytes: out)
        var finalInfo = info
        let w = cString(warning)
        if !w.isEmpty { finalInfo.warning = w }
        image.info = finalInfo
        return image
    }

    /// Pixels per byte of file above which a JPEG is certainly truncated (64 pixels per block,
    /// at least 1 bit per block: 512; with margin).
    static let maxPixelsPerByte = 4096

    /// Reads the markers in Swift (precision, lossless, EXIF orientation), then the frame header
    /// with libjpeg.
    static func header(_ bytes: [UInt8], file: String) throws -> (header: aims_jpeg_header, info: ImageInfo) {
        guard bytes.count >= 3 else {
            throw ImageIOError.truncated(file: file, field: "JPEG SOI marker", expectedBytes: 3, availableBytes: bytes.count)
        }
        guard bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF else {
            throw ImageIOError.invalidField(file: file, field: "JPEG SOI marker", expected: "FF D8 FF",
                                            got: bytes[0..<3].map { String(format: "%02X", $0) }.joined(separator: " "))
        }
        let markers = JPEGMarkers(bytes)
        if let p = markers.precision, p != 8 {
            throw ImageIOError.unsupported(file: file, field: "SOF sample precision", value: "\(p) bits",
                                           supported: "8 (the system libjpeg-turbo decodes 8-bit JPEGs only)")
        }
        if markers.isLossless, let m = markers.frameMarker {
            throw ImageIOError.unsupported(file: file, field: "JPEG process", value: "lossless (SOF\(m - 0xC0))",
                                           supported: "baseline, extended and progressive DCT")
        }
        var h = aims_jpeg_header()
        var message = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBufferPointer { src in
            aims_jpeg_decode(src.baseAddress, src.count, 1, &h, nil, 0, &message, message.count, nil, 0)
        }
        guard status == 0 else { throw ImageIOError.codec(file: file, library: "libjpeg", message: cString(message)) }
        var info = ImageInfo(format: .jpeg, width: Int(h.width), height: Int(h.height), channels: Int(h.out_channels),
                             dtype: .uint8, bitDepth: Int(h.data_precision))
        let spaces = [1: "gray", 2: "rgb", 3: "ycbcr (decoded as rgb)", 4: "cmyk", 5: "ycck (decoded as cmyk)"]
        info.colorModel = spaces[Int(h.color_space)] ?? "libjpeg colour space \(h.color_space)"
        if h.out_channels == 4, h.adobe_transform >= 0 { info.colorModel += ", adobe-inverted samples re-inverted" }
        info.compression = h.arithmetic != 0 ? "jpeg (arithmetic)" : "jpeg"
        info.interlaced = h.progressive != 0
        info.orientation = markers.orientation
        if h.jfif != 0 {
            info.density = PixelDensity(x: Int(h.x_density), y: Int(h.y_density),
                                        unit: [1: "dpi", 2: "dpcm"][Int(h.density_unit)] ?? "aspect")
        }
        if h.components == 3 { info.chromaSubsampling = subsampling(h) }
        return (h, info)
    }

    /// "4:2:0" etc. from the sampling factors of a 3-component frame.
    static func subsampling(_ h: aims_jpeg_header) -> String {
        let hs = [h.h_samp.0, h.h_samp.1, h.h_samp.2], vs = [h.v_samp.0, h.v_samp.1, h.v_samp.2]
        let raw = zip(hs, vs).map { "\($0)x\($1)" }.joined(separator: ",")
        guard hs[1] == hs[2], vs[1] == vs[2], hs[1] > 0, vs[1] > 0, hs[0] % hs[1] == 0, vs[0] % vs[1] == 0 else { return raw }
        switch (hs[0] / hs[1], vs[0] / vs[1]) {
        case (1, 1): return "4:4:4"
        case (2, 1): return "4:2:2"
        case (2, 2): return "4:2:0"
        case (1, 2): return "4:4:0"
        case (4, 1): return "4:1:1"
        default: return raw
        }
    }

    /// Writes `image` as a JFIF JPEG, atomically.
    /// - Parameters:
    ///   - image: 1 (gray) or 3 (RGB) channels of `uint8`.
    ///   - quality: libjpeg quality 1...100 (standard IJG tables scaled).
    ///   - progressive: write libjpeg's simple progression instead of baseline.
    ///   - fullChroma: 4:4:4 instead of the default 4:2:0 for RGB.
    public static func write(_ image: RawImage, to url: URL, quality: Int = 90, progressive: Bool = false,
                             fullChroma: Bool = false) throws {
        let file = ImageIOError.name(url)
        guard image.channels == 1 || image.channels == 3 else {
            throw ImageIOError.unsupported(file: file, field: "channels", value: "\(image.channels)", supported: "1, 3")
        }
        guard image.dtype == .uint8 else {
            throw ImageIOError.unsupported(file: file, field: "dtype", value: image.dtype.rawValue, supported: "uint8")
        }
        guard (1...100).contains(quality) else {
            throw ImageIOError.invalidField(file: file, field: "JPEG quality", expected: "1...100", got: "\(quality)")
        }
        guard (1...65500).contains(image.width), (1...65500).contains(image.height) else {
            throw ImageIOError.invalidField(file: file, field: "size", expected: "1...65500 per side", got: "\(image.width)x\(image.height)")
        }
        try writeAtomically(to: url) { tmp in
            var message = [CChar](repeating: 0, count: 512)
            let status = image.bytes.withUnsafeBufferPointer { src in
                aims_jpeg_encode_file(tmp.path, src.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                                      Int32(quality), progressive ? 1 : 0, fullChroma ? 1 : 0, &message, message.count)
            }
            if status != 0 { throw ImageIOError.codec(file: file, library: "libjpeg", message: cString(message)) }
        }
    }
}
