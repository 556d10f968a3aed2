import Foundation

/// The raster container formats `ImageReader` recognises.
public enum ImageFormat: String, Sendable, CaseIterable, Codable {
    case png
    /// Classic TIFF (`II*\0` or `MM\0*`).
    case tiff
    /// BigTIFF (`II+\0` or `MM\0+`, 64-bit offsets).
    case bigTIFF
    /// JPEG / JFIF / EXIF (`FF D8 FF`), decoded with libjpeg-turbo.
    case jpeg
    /// Netpbm PBM/PGM/PPM (`P1`...`P6`).
    case pnm
    /// Headerless samples described by a `RawImageSpec` (never sniffed).
    case raw

    /// The format whose magic bytes start `prefix`, or nil. Needs at most the first 8 bytes.
    public static func sniff<C: Collection>(prefix: C) -> ImageFormat? where C.Element == UInt8 {
        let b = Array(prefix.prefix(8))
        if b.count >= 8, b == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return .jpeg }
        if b.count >= 4 {
            if b[0] == 0x49, b[1] == 0x49, b[3] == 0 {
                if b[2] == 42 { return .tiff }
                if b[2] == 43 { return .bigTIFF }
            }
            if b[0] == 0x4D, b[1] == 0x4D, b[2] == 0 {
                if b[3] == 42 { return .tiff }
                if b[3] == 43 { return .bigTIFF }
            }
        }
        if b.count >= 3, b[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(b[1]),
           PNMHeaderScanner.isWhitespace(b[2]) || b[2] == UInt8(ascii: "#") {
            return .pnm
        }
        return nil
    }
}
