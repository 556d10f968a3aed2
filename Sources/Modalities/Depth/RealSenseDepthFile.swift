import Foundation
import ImageIO

/// The raw depth dump written by ViSP's RealSense grabbers (e.g. the SR300 frames of visp-images-data):
/// an 8-byte header, `uint32` LE height then `uint32` LE width, followed by `height × width` `uint16` LE
/// depth units, row-major. 0 means no measurement; metres = units × the camera's depth scale.
public enum RealSenseDepthFile {
    /// Decodes the file at `url` into a one-channel `uint16` `RawImage` (units as stored).
    /// - Throws: `ModalityError.invalidContent` for a header that does not match the file's size.
    public static func read(_ url: URL, file: String) throws -> RawImage {
        let bytes = try ModalityError.wrapping(file) { try Data(contentsOf: url) }
        guard bytes.count >= 8 else {
            throw ModalityError.invalidContent(file: file, field: "header", expected: "8 bytes (uint32 height, uint32 width)",
                                               got: "\(bytes.count) bytes")
        }
        func u32(_ o: Int) -> Int {
            Int(UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24)
        }
        let height = u32(0), width = u32(4)
        let (pixels, overflow) = height.multipliedReportingOverflow(by: width)
        guard height > 0, width > 0, !overflow, bytes.count == 8 + 2 * pixels else {
            throw ModalityError.invalidContent(file: file, field: "header height x width",
                                               expected: "\(bytes.count - 8) bytes of uint16 samples after the header",
                                               got: "\(height) x \(width)")
        }
        let spec = RawImageSpec(width: width, height: height, channels: 1, dtype: .uint16, littleEndian: true, byteOffset: 8)
        return try ModalityError.wrapping(file) { try RawBinaryCodec.decode([UInt8](bytes), spec: spec, file: file) }
    }
}
