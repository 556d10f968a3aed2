/// The radiometric constants of a FLIR camera, from the `CameraInfo` record (type 0x20) of an FFF
/// structure. Temperatures are converted from the stored kelvin to degrees Celsius.
public struct FLIRCameraInfo: Sendable, Equatable, Codable {
    /// Object emissivity, 0…1.
    public var emissivity: Double
    /// Metres.
    public var objectDistance: Double
    /// °C.
    public var reflectedApparentTemperature: Double
    /// °C.
    public var atmosphericTemperature: Double
    /// °C.
    public var irWindowTemperature: Double
    /// 0…1.
    public var irWindowTransmission: Double
    /// 0…1 (stored either as a fraction or, by some cameras, in percent).
    public var relativeHumidity: Double
    /// Planck calibration: raw = R1 / (R2 · (exp(B / T) − F)) + O, T in kelvin.
    public var planckR1: Double
    public var planckR2: Double
    public var planckB: Double
    public var planckF: Double
    public var planckO: Double
    /// Atmospheric transmission model coefficients.
    public var atmosphericTransAlpha1: Double
    public var atmosphericTransAlpha2: Double
    public var atmosphericTransBeta1: Double
    public var atmosphericTransBeta2: Double
    public var atmosphericTransX: Double
    public var cameraModel: String

    /// Reads the record at `start` (its length `length`) of an FFF structure held by `cursor`.
    static func parse(_ cursor: FileByteCursor, start: Int, length: Int) throws -> FLIRCameraInfo {
        guard length >= 0x310 else {
            throw ImageIOError.invalidField(file: cursor.file, field: "FLIR CameraInfo record length",
                                               expected: "at least 784 bytes", got: "\(length)")
        }
        try cursor.require(length, "FLIR CameraInfo record", at: start)
        var c = cursor
        // The record's own byte order: its first 16-bit word is 2, read as 0x0002 or 0x0200.
        c.littleEndian = try cursor.peek(UInt16.self, at: start, "CameraInfo byte order") < 0x100
            ? cursor.littleEndian : !cursor.littleEndian
        func f(_ off: Int, _ name: String) throws -> Double { Double(try c.float32(at: start + off, name)) }
        let kelvin = 273.15
        let rh = try f(0x3C, "RelativeHumidity")
        let modelBytes = c.bytes[(start + 0xD4)..<(start + 0xF4)]
        return FLIRCameraInfo(
            emissivity: try f(0x20, "Emissivity"),
            objectDistance: try f(0x24, "ObjectDistance"),
            reflectedApparentTemperature: try f(0x28, "ReflectedApparentTemperature") - kelvin,
            atmosphericTemperature: try f(0x2C, "AtmosphericTemperature") - kelvin,
            irWindowTemperature: try f(0x30, "IRWindowTemperature") - kelvin,
            irWindowTransmission: try f(0x34, "IRWindowTransmission"),
            relativeHumidity: rh > 2 ? rh / 100 : rh,
            planckR1: try f(0x58, "PlanckR1"),
            planckR2: try f(0x30C, "PlanckR2"),
            planckB: try f(0x5C, "PlanckB"),
            planckF: try f(0x60, "PlanckF"),
            planckO: Double(Int32(bitPattern: try c.peek(UInt32.self, at: start + 0x308, "PlanckO"))),
            atmosphericTransAlpha1: try f(0x70, "AtmosphericTransAlpha1"),
            atmosphericTransAlpha2: try f(0x74, "AtmosphericTransAlpha2"),
            atmosphericTransBeta1: try f(0x78, "AtmosphericTransBeta1"),
            atmosphericTransBeta2: try f(0x7C, "AtmosphericTransBeta2"),
            atmosphericTransX: try f(0x80, "AtmosphericTransX"),
            cameraModel: String(decoding: modelBytes.prefix { $0 != 0 }, as: UTF8.self))
    }
}
