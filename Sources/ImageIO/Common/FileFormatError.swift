import Foundation

/// A container file (DICOM, NIfTI, FLIR FFF/SEQ/R-JPEG) that cannot be decoded. Every case names the file, the field and what
/// was expected.
public enum FileFormatError: Error, LocalizedError, Equatable {
    /// The file ends before `field` could be read (`needed` bytes at byte `offset`).
    case truncated(file: String, field: String, offset: Int, needed: Int)
    /// `field` holds `found` where `expected` was required.
    case invalidField(file: String, field: String, expected: String, found: String)
    /// The file is valid but uses a feature aims does not decode (e.g. a JPEG transfer syntax).
    case unsupported(file: String, field: String, detail: String)

    public var errorDescription: String? {
        switch self {
        case let .truncated(file, field, offset, needed):
            return "\(file): \(field): file ends before \(needed) byte(s) at offset \(offset)"
        case let .invalidField(file, field, expected, found):
            return "\(file): \(field): expected \(expected), found \(found)"
        case let .unsupported(file, field, detail):
            return "\(file): \(field): unsupported: \(detail)"
        }
    }
}
