/// Limits applied by every decoder before it allocates pixel memory.
public struct ImageReadOptions: Sendable, Equatable {
    /// Largest accepted `width * height` (pixels per page). Default 2^28.
    public var maxPixels: Int

    public init(maxPixels: Int = ImageReadOptions.defaultMaxPixels) {
        self.maxPixels = maxPixels
    }

    /// 2^28 pixels (e.g. 16384 x 16384).
    public static let defaultMaxPixels = 1 << 28

    /// The default limits.
    public static let standard = ImageReadOptions()

    /// No pixel limit beyond what memory allows (`allowHugeImages`).
    public static let allowHugeImages = ImageReadOptions(maxPixels: Int.max)

    /// Throws `.invalidField` for zero/negative dimensions and `.tooLarge` above the limit.
    func check(width: Int, height: Int, file: String, widthField: String, heightField: String) throws {
        guard width > 0 else { throw ImageIOError.invalidField(file: file, field: widthField, expected: ">= 1", got: "\(width)") }
        guard height > 0 else { throw ImageIOError.invalidField(file: file, field: heightField, expected: ">= 1", got: "\(height)") }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > maxPixels {
            throw ImageIOError.tooLarge(file: file, width: width, height: height, limit: maxPixels)
        }
    }
}
