import Foundation
import TensorCore

/// How a FLIR file stores its raw thermal image.
public enum FLIRRawEncoding: String, Sendable, Codable {
    /// 16-bit counts, little-endian, row-major.
    case littleEndian16
    /// 16-bit counts, big-endian, row-major.
    case bigEndian16
    /// A 16-bit grey PNG whose samples are byte-swapped (FLIR writes them little-endian).
    case png
}

/// One radiometric frame of a FLIR file: the camera's constants and the raw sensor counts.
public struct FLIRFrame: Sendable {
    public var cameraInfo: FLIRCameraInfo
    /// Pixels.
    public var rawWidth: Int
    public var rawHeight: Int
    public var rawEncoding: FLIRRawEncoding
    /// The raw image as stored (counts, or a PNG stream).
    public var rawPayload: [UInt8]
    /// Names the source in errors.
    public var file: String

    /// Raw sensor counts as `[1, H, W]` (uncalibrated digital numbers, 0…65535).
    public func rawCounts() throws -> Tensor {
        switch rawEncoding {
        case .littleEndian16, .bigEndian16:
            let n = rawWidth * rawHeight
            guard rawPayload.count >= 2 * n else {
                throw ImageIOError.truncatedAt(file: file, field: "FLIR RawData pixels", offset: 0, needed: 2 * n)
            }
            return Tensor(shape: [1, rawHeight, rawWidth]) { out in
                rawPayload.withUnsafeBytes {
                    DType.uint16.decode($0.baseAddress!, count: n, littleEndian: rawEncoding == .littleEndian16,
                                        into: out.baseAddress!)
                }
            }
        case .png:
            let image = try PNGCodec.decode(rawPayload, file: "\(file) RawThermalImage")
            guard image.width == rawWidth, image.height == rawHeight, image.channels == 1, image.dtype == .uint16 else {
                throw ImageIOError.invalidField(file: file, field: "FLIR RawData PNG",
                                                   expected: "\(rawWidth)x\(rawHeight) 16-bit grey",
                                                   got: "\(image.width)x\(image.height)x\(image.channels) \(image.dtype)")
            }
            let swapped = image.toTensor()
            return Tensor(shape: [1, rawHeight, rawWidth]) { out in
                swapped.withUnsafeBufferPointer { src in
                    for i in 0..<src.count { out[i] = Float(UInt16(src[i]).byteSwapped) }
                }
            }
        }
    }
}
