import Foundation

/// Format-agnostic entry point: picks the codec from the file's magic bytes.
public enum ImageReader {
    /// The format of the file at `url` by its magic bytes (not its extension); nil if unknown or
    /// unreadable. Raw binary files are never recognised (use `RawBinaryCodec`).
    public static func sniff(_ url: URL) -> ImageFormat? {
        guard let prefix = try? FileBytes.readPrefix(url, count: 8) else { return nil }
        return ImageFormat.sniff(prefix: prefix)
    }

    /// Decodes page `page` (0-based; only TIFF has more than one) of the image at `url`.
    /// The result keeps the file's element type, interleaved `[H, W, C]`; see `RawImage.toTensor()`.
    public static func read(_ url: URL, page: Int = 0, options: ImageReadOptions = .standard) throws -> RawImage {
        try decode(FileBytes.read(url), page: page, file: ImageIOError.name(url), options: options)
    }

    /// Decodes page `page` of the image held in `bytes`; `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], page: Int = 0, file: String, options: ImageReadOptions = .standard) throws -> RawImage {
        let format = try detect(bytes, file: file)
        if format != .tiff && format != .bigTIFF && page != 0 {
            throw ImageIOError.pageOutOfRange(file: file, page: page, pageCount: 1)
        }
        switch format {
        case .png: return try PNGCodec.decode(bytes, file: file, options: options)
        case .jpeg: return try JPEGCodec.decode(bytes, file: file, options: options)
        case .tiff, .bigTIFF: return try TIFFCodec.decode(bytes, page: page, file: file, options: options)
        case .pnm: return try PNMCodec.decode(bytes, file: file, options: options)
        case .raw: throw ImageIOError.unknownFormat(file: file, magic: "raw")
        }
    }

    /// Format and metadata of page `page` of the image at `url` (for `aims inspect`), without
    /// decoding pixels where the format allows. No pixel limit applies.
    public static func info(_ url: URL, page: Int = 0) throws -> ImageInfo {
        let file = ImageIOError.name(url)
        _ = try detect(FileBytes.readPrefix(url, count: 8), file: file)
        return try info(FileBytes.read(url), page: page, file: file)
    }

    /// Format and metadata of page `page` of the image held in `bytes`; `file` names the source in errors.
    public static func info(_ bytes: [UInt8], page: Int = 0, file: String) throws -> ImageInfo {
        let format = try detect(bytes, file: file)
        if format != .tiff && format != .bigTIFF && page != 0 {
            throw ImageIOError.pageOutOfRange(file: file, page: page, pageCount: 1)
        }
        switch format {
        case .png: return try PNGCodec.header(bytes, file: file, options: .allowHugeImages).info
        case .jpeg: return try JPEGCodec.header(bytes, file: file).info
        case .tiff, .bigTIFF: return try TIFFCodec.info(bytes, page: page, file: file)
        case .pnm:
            var scanner = PNMHeaderScanner(bytes: bytes, file: file)
            return try scanner.header(options: .allowHugeImages).info
        case .raw: throw ImageIOError.unknownFormat(file: file, magic: "raw")
        }
    }

    static func detect(_ bytes: [UInt8], file: String) throws -> ImageFormat {
        if let format = ImageFormat.sniff(prefix: bytes) { return format }
        let magic = bytes.prefix(8).map { String(format: "%02X", $0) }.joined(separator: " ")
        throw ImageIOError.unknownFormat(file: file, magic: magic.isEmpty ? "empty file" : magic)
    }
}
