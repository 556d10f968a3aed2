import Foundation
import ImageIO
import TensorFiles
import Transforms

/// Writes a bare FLIR FFF frame (what `FLIRFile` reads; layout after ExifTool's FLIR module):
/// - a 64-byte big-endian header: `FFF\0`, creator, version 100 at byte 20, record-directory offset at 24, record count at 28;
/// - a directory of 32-byte entries (type u16 at +0, subtype, version, index, offset u32 at +12, length u32 at +16);
/// - a RawData record (type 0x01), little-endian: 2, width, height at +2/+4, 16-bit counts from +32;
/// - a CameraInfo record (type 0x20), little-endian float32 fields: emissivity 0x20, object distance 0x24, reflected,
///   atmospheric and IR-window temperatures (K) 0x28/0x2C/0x30, window transmission 0x34, relative humidity 0x3C,
///   Planck R1 0x58, B 0x5C, F 0x60, atmospheric coefficients α1, α2, β1, β2, X 0x70…0x80, camera model 0xD4
///   (32 bytes), Planck O (int32) 0x308, R2 0x30C.
public struct FLIRFFFWriter: Sendable {
    public var planck: PlanckConstants
    /// Emissivity the camera records (the decoder divides it out), 0…1.
    public var emissivity: Double = 1
    /// °C.
    public var reflectedTemperatureCelsius: Double = 20
    /// °C.
    public var atmosphericTemperatureCelsius: Double = 20
    /// Metres (0: no atmosphere between camera and object).
    public var objectDistance: Double = 0
    /// Fraction 0…1.
    public var relativeHumidity: Double = 0
    public var cameraModel: String = "aims synth"

    public init(planck: PlanckConstants) { self.planck = planck }

    /// The FFF bytes of one frame of `width`×`height` row-major counts.
    public func encode(counts: [UInt16], width: Int, height: Int) -> [UInt8] {
        precondition(counts.count == width * height && width <= 65535 && height <= 65535, "FLIRFFFWriter: bad frame size")
        let rawLength = 32 + 2 * counts.count, cameraLength = 0x400
        let directory = 64, rawOffset = directory + 64, cameraOffset = rawOffset + rawLength
        var b = [UInt8](repeating: 0, count: cameraOffset + cameraLength)
        func be32(_ v: UInt32, _ at: Int) { for k in 0..<4 { b[at + k] = UInt8((v >> (24 - 8 * UInt32(k))) & 0xFF) } }
        func be16(_ v: UInt16, _ at: Int) { b[at] = UInt8(v >> 8); b[at + 1] = UInt8(v & 0xFF) }
        func le16(_ v: UInt16, _ at: Int) { b[at] = UInt8(v & 0xFF); b[at + 1] = UInt8(v >> 8) }
        func le32(_ v: UInt32, _ at: Int) { for k in 0..<4 { b[at + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) } }
        func leFloat(_ v: Double, _ at: Int) { le32(Float(v).bitPattern, at) }

        b.replaceSubrange(0..<4, with: Array("FFF\0".utf8))
        b.replaceSubrange(4..<8, with: Array("aims".utf8))
        be32(100, 20)
        be32(UInt32(directory), 24)
        be32(2, 28)
        for (i, (type, offset, length)) in [(UInt16(0x01), rawOffset, rawLength), (UInt16(0x20), cameraOffset, cameraLength)].enumerated() {
            let e = directory + 32 * i
            be16(type, e)
            be16(2, e + 2)
            be32(100, e + 4)
            be32(UInt32(i + 1), e + 8)
            be32(UInt32(offset), e + 12)
            be32(UInt32(length), e + 16)
        }
        le16(2, rawOffset)
        le16(UInt16(width), rawOffset + 2)
        le16(UInt16(height), rawOffset + 4)
        for (i, c) in counts.enumerated() { le16(c, rawOffset + 32 + 2 * i) }

        let c = cameraOffset, kelvin = 273.15
        le16(2, c)
        leFloat(emissivity, c + 0x20)
        leFloat(objectDistance, c + 0x24)
        leFloat(reflectedTemperatureCelsius + kelvin, c + 0x28)
        leFloat(atmosphericTemperatureCelsius + kelvin, c + 0x2C)
        leFloat(atmosphericTemperatureCelsius + kelvin, c + 0x30)
        leFloat(1, c + 0x34)
        leFloat(relativeHumidity, c + 0x3C)
        leFloat(planck.r1, c + 0x58)
        leFloat(planck.b, c + 0x5C)
        leFloat(planck.f, c + 0x60)
        for (k, v) in [0.006569, 0.01262, -0.002276, -0.00667, 1.9].enumerated() { leFloat(v, c + 0x70 + 4 * k) }
        let model = Array(cameraModel.utf8.prefix(31))
        b.replaceSubrange((c + 0xD4)..<(c + 0xD4 + model.count), with: model)
        le32(UInt32(bitPattern: Int32(planck.o.rounded())), c + 0x308)
        leFloat(planck.r2, c + 0x30C)
        return b
    }

    /// Writes the frame to `url` atomically.
    public func write(counts: [UInt16], width: Int, height: Int, to url: URL) throws {
        try AtomicFile.write(Data(encode(counts: counts, width: width, height: height)), to: url)
    }

    /// `planck` with R1, R2, B, F rounded to float32 and O to an integer, as an FFF file stores them (so counts computed
    /// with the result decode exactly).
    public static func storable(_ p: PlanckConstants) -> PlanckConstants {
        PlanckConstants(r1: Double(Float(p.r1)), r2: Double(Float(p.r2)), b: Double(Float(p.b)), f: Double(Float(p.f)), o: p.o.rounded())
    }
}
