import Foundation

/// Every failure of the image codecs. Each case names the file (its last path component), the
/// field and, where it applies, what was expected and what was found, e.g.
/// `foo.png: IHDR width: expected 1...2147483647, got 0`.
public enum ImageIOError: Error, LocalizedError, Equatable, Sendable {
    /// The file could not be opened, read, created or renamed.
    case io(file: String, reason: String)
    /// The file's first bytes match no supported format.
    case unknownFormat(file: String, magic: String)
    /// The file ends before `field` is complete.
    case truncated(file: String, field: String, expectedBytes: Int, availableBytes: Int)
    /// A header field holds a value outside what the format allows.
    case invalidField(file: String, field: String, expected: String, got: String)
    /// A valid value this library does not handle (e.g. 12-bit TIFF samples, YCbCr).
    case unsupported(file: String, field: String, value: String, supported: String)
    /// The image has more pixels than the reader's limit (see `ImageReadOptions.maxPixels`).
    case tooLarge(file: String, width: Int, height: Int, limit: Int)
    /// The decoded samples (`shape` is `[H, W, C]`) would exceed `ImageReadOptions.maxBytes`.
    case decodedSizeTooLarge(file: String, shape: [Int], byteSize: Int, limit: Int)
    /// The page index is outside the file's pages.
    case pageOutOfRange(file: String, page: Int, pageCount: Int)
    /// libpng, libjpeg or libtiff reported an error while decoding or encoding.
    case codec(file: String, library: String, message: String)

    public var errorDescription: String? {
        switch self {
        case let .io(file, reason):
            return "\(file): \(reason)"
        case let .unknownFormat(file, magic):
            return "\(file): file signature: expected PNG, JPEG, TIFF, BigTIFF or PNM (P1-P6) magic bytes, got \(magic)"
        case let .truncated(file, field, expected, available):
            return "\(file): \(field): truncated: expected \(expected) bytes, got \(available)"
        case let .invalidField(file, field, expected, got):
            return "\(file): \(field): expected \(expected), got \(got)"
        case let .unsupported(file, field, value, supported):
            return "\(file): \(field): unsupported value \(value) (supported: \(supported))"
        case let .tooLarge(file, width, height, limit):
            let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
            return "\(file): image size: expected at most \(limit) pixels, got \(width)x\(height) = \(overflow ? "more than \(Int.max)" : "\(pixels)") (raise AIMS_MAX_DECODED_MB to allow)"
        case let .decodedSizeTooLarge(file, shape, byteSize, limit):
            return "\(file): decoded size: expected at most \(limit) bytes, got \(shape.map(String.init).joined(separator: "x")) samples of \(byteSize) bytes (raise AIMS_MAX_DECODED_MB to allow)"
        case let .pageOutOfRange(file, page, count):
            return "\(file): page: expected 0..<\(count), got \(page)"
        case let .codec(file, library, message):
            return "\(file): \(library): \(message)"
        }
    }

    /// Display name of a file in messages.
    static func name(_ url: URL) -> String { url.lastPathComponent }
}
