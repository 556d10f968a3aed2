import TensorFiles

/// Limits applied by every decoder before it allocates pixel memory. The defaults follow
/// `ReadLimits.maxDecodedBytes` (2 GiB unless `AIMS_MAX_DECODED_MB` says otherwise).
public struct ImageReadOptions: Sendable, Equatable {
    /// Largest accepted `width * height` (pixels per page). Default `defaultMaxPixels`.
    public var maxPixels: Int
    /// Largest accepted decoded size in bytes (`width * height * channels * dtype.byteSize`).
    /// Default `ReadLimits.maxDecodedBytes` (2 GiB).
    public var maxBytes: Int

    public init(maxPixels: Int = ImageReadOptions.defaultMaxPixels, maxBytes: Int = ReadLimits.maxDecodedBytes) {
        self.maxPixels = maxPixels
        self.maxBytes = maxBytes
    }

    /// One pixel per 8 bytes of `ReadLimits.maxDecodedBytes` (16-bit RGBA at the byte limit): 2^28 pixels
    /// (e.g. 16384 x 16384) by default. Checked from the header, before the codec allocates anything.
    public static let defaultMaxPixels = ReadLimits.maxDecodedBytes / 8

    /// The default limits.
    public static let standard = ImageReadOptions()

    /// No pixel limit beyond what memory allows (`allowHugeImages`).
    public static let allowHugeImages = ImageReadOptions(maxPixels: Int.max, maxBytes: Int.max)

    /// Throws `.invalidField` for zero/negative dimensions and `.tooLarge` above the limit.
    func check(width: Int, height: Int, file: String, widthField: String, heightField: String) throws {
        guard width > 0 else { throw ImageIOError.invalidField(file: file, field: widthField, expected: ">= 1", got: "\(width)") }
        guard height > 0 else { throw ImageIOError.invalidField(file: file, field: heightField, expected: ">= 1", got: "\(height)") }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > maxPixels {
            throw ImageIOError.tooLarge(file: file, width: width, height: height, limit: maxPixels)
        }
    }

    /// Throws `.tooLarge` when `width * height * channels * byteSize` exceeds `maxBytes`.
    func checkBytes(width: Int, height: Int, channels: Int, byteSize: Int, file: String) throws {
        let (a, o1) = width.multipliedReportingOverflow(by: height)
        let (b, o2) = a.multipliedReportingOverflow(by: channels)
        let (c, o3) = b.multipliedReportingOverflow(by: byteSize)
        if o1 || o2 || o3 || c > maxBytes {
            throw ImageIOError.decodedSizeTooLarge(file: file, shape: [height, width, channels], byteSize: byteSize, limit: maxBytes)
        }
    }
}
