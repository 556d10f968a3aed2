/// The element types that tensor and image files store. Files keep their native type on disk;
/// converting to `Float32` is explicit (`DType.decode`).
public enum DType: String, Sendable, CaseIterable, Codable {
    case bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float16, bfloat16, float32, float64

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .int16, .uint16, .float16, .bfloat16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }

    public var isFloatingPoint: Bool { self == .float16 || self == .bfloat16 || self == .float32 || self == .float64 }
    public var isSigned: Bool { [.int8, .int16, .int32, .int64].contains(self) || isFloatingPoint }

    /// Largest representable value for integer types (used to scale integer images to [0, 1]).
    public var integerMaximum: Double? {
        switch self {
        case .bool: return 1
        case .int8: return Double(Int8.max)
        case .uint8: return Double(UInt8.max)
        case .int16: return Double(Int16.max)
        case .uint16: return Double(UInt16.max)
        case .int32: return Double(Int32.max)
        case .uint32: return Double(UInt32.max)
        case .int64: return Double(Int64.max)
        case .uint64: return Double(UInt64.max)
        default: return nil
        }
    }

    /// Converts `count` packed elements of this type, starting at `source`, to `Float`.
    /// - Parameters:
    ///   - littleEndian: byte order of the source elements.
    ///   - destination: receives `count` values.
    public func decode(_ source: UnsafeRawPointer, count: Int, littleEndian: Bool,
                       into destination: UnsafeMutablePointer<Float>) {
        let swap = littleEndian != (1.littleEndian == 1)
        @inline(__always) func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
            let v = source.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
            return swap ? v.byteSwapped : v
        }
        switch self {
        case .bool: for i in 0..<count { destination[i] = load(UInt8.self, i) != 0 ? 1 : 0 }
        case .int8: for i in 0..<count { destination[i] = Float(load(Int8.self, i)) }
        case .uint8: for i in 0..<count { destination[i] = Float(load(UInt8.self, i)) }
        case .int16: for i in 0..<count { destination[i] = Float(load(Int16.self, i)) }
        case .uint16: for i in 0..<count { destination[i] = Float(load(UInt16.self, i)) }
        case .int32: for i in 0..<count { destination[i] = Float(load(Int32.self, i)) }
        case .uint32: for i in 0..<count { destination[i] = Float(load(UInt32.self, i)) }
        case .int64: for i in 0..<count { destination[i] = Float(load(Int64.self, i)) }
        case .uint64: for i in 0..<count { destination[i] = Float(load(UInt64.self, i)) }
        case .float16: for i in 0..<count { destination[i] = DType.floatFromHalfBits(load(UInt16.self, i)) }
        case .bfloat16: for i in 0..<count { destination[i] = Float(bitPattern: UInt32(load(UInt16.self, i)) << 16) }
        case .float32: for i in 0..<count { destination[i] = Float(bitPattern: load(UInt32.self, i)) }
        case .float64: for i in 0..<count { destination[i] = Float(Double(bitPattern: load(UInt64.self, i))) }
        }
    }

    /// Converts `count` floats to packed elements of this type. Integers round half to even (as
    /// NumPy's `rint` and `torch.round`) and saturate at the type's range; bool is `value != 0`.
    public func encode(_ source: UnsafePointer<Float>, count: Int, littleEndian: Bool,
                       into destination: UnsafeMutableRawPointer) {
        let swap = littleEndian != (1.littleEndian == 1)
        @inline(__always) func store<T: FixedWidthInteger>(_ v: T, _ i: Int) {
            destination.storeBytes(of: swap ? v.byteSwapped : v, toByteOffset: i * MemoryLayout<T>.size, as: T.self)
        }
        @inline(__always) func int<T: FixedWidthInteger>(_ x: Float, _: T.Type) -> T {
            let r = Double(x).rounded(.toNearestOrEven)
            if r.isNaN { return 0 }
            if r <= Double(T.min) { return T.min }
            if r >= Double(T.max) { return T.max }
            return T(r)
        }
        switch self {
        case .bool: for i in 0..<count { store(UInt8(source[i] != 0 ? 1 : 0), i) }
        case .int8: for i in 0..<count { store(int(source[i], Int8.self), i) }
        case .uint8: for i in 0..<count { store(int(source[i], UInt8.self), i) }
        case .int16: for i in 0..<count { store(int(source[i], Int16.self), i) }
        case .uint16: for i in 0..<count { store(int(source[i], UInt16.self), i) }
        case .int32: for i in 0..<count { store(int(source[i], Int32.self), i) }
        case .uint32: for i in 0..<count { store(int(source[i], UInt32.self), i) }
        case .int64: for i in 0..<count { store(int(source[i], Int64.self), i) }
        case .uint64: for i in 0..<count { store(int(source[i], UInt64.self), i) }
        case .float16: for i in 0..<count { store(DType.halfBits(from: source[i]), i) }
        case .bfloat16: for i in 0..<count { store(DType.bfloat16Bits(from: source[i]), i) }
        case .float32: for i in 0..<count { store(source[i].bitPattern, i) }
        case .float64: for i in 0..<count { store(Double(source[i]).bitPattern, i) }
        }
    }

    /// IEEE 754 binary16 bits to `Float` (exact: every half is a float).
    public static func floatFromHalfBits(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int((h >> 10) & 0x1F)
        let man = UInt32(h & 0x3FF)
        if exp == 0 {
            // zero or subnormal: man * 2^-24
            let v = Float(man) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -v : v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (man << 13)) }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (man << 13))
    }

    /// `Float` to IEEE 754 binary16 bits, rounding to nearest even (overflow gives infinity).
    public static func halfBits(from f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        if f.isNaN { return sign | 0x7E00 }
        let a = abs(f)
        if a >= 65520 { return sign | 0x7C00 }
        if a < Float(sign: .plus, exponent: -14, significand: 1) {
            // subnormal half: round a / 2^-24 to nearest even
            let q = (a * Float(sign: .plus, exponent: 24, significand: 1)).rounded(.toNearestOrEven)
            return sign | UInt16(q)
        }
        let exp = Int((bits >> 23) & 0xFF) - 127 + 15
        var man = bits & 0x7F_FFFF
        var e = UInt32(exp)
        // round 23-bit mantissa to 10 bits, nearest even
        let rest = man & 0x1FFF
        man >>= 13
        if rest > 0x1000 || (rest == 0x1000 && (man & 1) == 1) {
            man += 1
            if man == 0x400 { man = 0; e += 1 }
        }
        return sign | UInt16(e << 10) | UInt16(man)
    }

    /// `Float` to bfloat16 bits, rounding to nearest even.
    public static func bfloat16Bits(from f: Float) -> UInt16 {
        if f.isNaN { return UInt16(f.bitPattern >> 16) | 0x40 }
        let b = f.bitPattern
        let rounded = b &+ 0x7FFF &+ ((b >> 16) & 1)
        return UInt16(rounded >> 16)
    }
}
