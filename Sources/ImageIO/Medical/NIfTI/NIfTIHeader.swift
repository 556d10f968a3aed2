import TensorCore

/// The fields of a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header that aims uses.
public struct NIfTIHeader: Sendable, Equatable {
    /// 1 or 2.
    public var version: Int
    public var littleEndian: Bool
    /// `dim[1...dim[0]]`: voxels along x, y, z, t, ... (x varies fastest on disk).
    public var dimensions: [Int]
    /// NIfTI datatype code (2 uint8, 4 int16, 8 int32, 16 float32, 64 float64, 256 int8, 512 uint16,
    /// 768 uint32, 1024 int64, 1280 uint64, 128 RGB24, 2304 RGBA32).
    public var datatype: Int
    public var bitpix: Int
    /// `pixdim[1...]`: voxel size along each axis (usually millimetres, seconds for t).
    public var voxelSize: [Double]
    /// Byte offset of the voxel data in a single-file (`n+1`/`n+2`) image.
    public var voxelOffset: Int
    /// Scaling to apply to stored values; nibabel's rule: ignored when the slope is 0 or not finite.
    public var sclSlope: Double
    public var sclInter: Double
    /// `"n+1"`/`"n+2"` for single files; `"ni1"`/`"ni2"` for `.hdr` + `.img` pairs.
    public var magic: String
    /// qform, sform, pixdim[0] and units: where the voxels are (`NIfTISpatial`, `affine`).
    public var spatial = NIfTISpatial()

    /// Element type and samples per voxel of `datatype`.
    public func storage(file: String) throws -> (dtype: DType, samples: Int) {
        switch datatype {
        case 2: return (.uint8, 1)
        case 4: return (.int16, 1)
        case 8: return (.int32, 1)
        case 16: return (.float32, 1)
        case 64: return (.float64, 1)
        case 256: return (.int8, 1)
        case 512: return (.uint16, 1)
        case 768: return (.uint32, 1)
        case 1024: return (.int64, 1)
        case 1280: return (.uint64, 1)
        case 128: return (.uint8, 3)
        case 2304: return (.uint8, 4)
        default:
            throw ImageIOError.unsupported(file: file, field: "datatype",
                                                value: "\(datatype)",
                                           supported: "2, 4, 8, 16, 64, 128, 256, 512, 768, 1024, 1280, 2304 (not complex or float128)")
        }
    }

    /// The slope and intercept that apply, or nil when the stored values are used as they are.
    public var scaling: (slope: Double, intercept: Double)? {
        guard sclSlope.isFinite, sclSlope != 0 else { return nil }
        let inter = sclInter.isFinite ? sclInter : 0
        if sclSlope == 1 && inter == 0 { return nil }
        return (sclSlope, inter)
    }

    /// Parses a header from the first bytes of a file (at least 348 bytes for NIfTI-1, 540 for NIfTI-2).
    public static func parse(_ bytes: [UInt8], file: String) throws -> NIfTIHeader {
        var c = FileByteCursor(bytes, file: file)
        let raw = try c.peek(UInt32.self, at: 0, "sizeof_hdr")
        let size: Int
        if raw == 348 || raw == 540 { size = Int(raw) } else if raw.byteSwapped == 348 || raw.byteSwapped == 540 {
            c.littleEndian = false
            size = Int(raw.byteSwapped)
        } else {
            throw ImageIOError.invalidField(file: file, field: "sizeof_hdr", expected: "348 (NIfTI-1) or 540 (NIfTI-2)",
                                                 got: "\(raw)")
        }
        try c.require(size, "header (\(size) bytes)", at: 0)
        var h = NIfTIHeader(version: size == 348 ? 1 : 2, littleEndian: c.littleEndian, dimensions: [], datatype: 0,
                            bitpix: 0, voxelSize: [], voxelOffset: 0, sclSlope: 0, sclInter: 0, magic: "")
        let dimsRaw: [Int]
        let pixdims: [Double]
        if size == 348 {
            dimsRaw = try (0..<8).map { Int(Int16(bitPattern: try c.peek(UInt16.self, at: 40 + 2 * $0, "dim[\($0)]"))) }
            h.datatype = Int(Int16(bitPattern: try c.peek(UInt16.self, at: 70, "datatype")))
            h.bitpix = Int(Int16(bitPattern: try c.peek(UInt16.self, at: 72, "bitpix")))
            pixdims = try (0..<8).map { Double(try c.float32(at: 76 + 4 * $0, "pixdim[\($0)]")) }
            let off = Double(try c.float32(at: 108, "vox_offset"))
            guard off.isFinite, off >= 0, off < Double(Int32.max) else {
                throw ImageIOError.invalidField(file: file, field: "vox_offset", expected: "a byte offset ≥ 0", got: "\(off)")
            }
            h.voxelOffset = Int(off)
            h.sclSlope = Double(try c.float32(at: 112, "scl_slope"))
            h.sclInter = Double(try c.float32(at: 116, "scl_inter"))
            h.magic = String(decoding: bytes[344..<347], as: UTF8.self)
            guard h.magic == "n+1" || h.magic == "ni1" else {
                throw ImageIOError.invalidField(file: file, field: "magic", expected: "'n+1' or 'ni1'", got: "'\(h.magic)'")
            }
            h.spatial = try NIfTISpatial.parse(c, version: 1)
        } else {
            h.magic = String(decoding: bytes[4..<7], as: UTF8.self)
            guard h.magic == "n+2" || h.magic == "ni2" else {
                throw ImageIOError.invalidField(file: file, field: "magic", expected: "'n+2' or 'ni2'", got: "'\(h.magic)'")
            }
            h.datatype = Int(Int16(bitPattern: try c.peek(UInt16.self, at: 12, "datatype")))
            h.bitpix = Int(Int16(bitPattern: try c.peek(UInt16.self, at: 14, "bitpix")))
            dimsRaw = try (0..<8).map { Int(Int64(bitPattern: try c.peek(UInt64.self, at: 16 + 8 * $0, "dim[\($0)]"))) }
            pixdims = try (0..<8).map { try c.float64(at: 104 + 8 * $0, "pixdim[\($0)]") }
            let off = Int64(bitPattern: try c.peek(UInt64.self, at: 168, "vox_offset"))
            guard off >= 0 else {
                throw ImageIOError.invalidField(file: file, field: "vox_offset", expected: "≥ 0", got: "\(off)")
            }
            h.voxelOffset = Int(off)
            h.sclSlope = try c.float64(at: 176, "scl_slope")
            h.sclInter = try c.float64(at: 184, "scl_inter")
            h.spatial = try NIfTISpatial.parse(c, version: 2)
        }
        let rank = dimsRaw[0]
        guard (1...7).contains(rank) else {
            throw ImageIOError.invalidField(file: file, field: "dim[0]", expected: "1...7", got: "\(rank)")
        }
        h.dimensions = Array(dimsRaw[1...rank])
        guard h.dimensions.allSatisfy({ $0 >= 1 && $0 <= 1 << 24 }) else {
            throw ImageIOError.invalidField(file: file, field: "dim[1...\(rank)]", expected: "each in 1...16777216",
                                                 got: "\(h.dimensions)")
        }
        // Trailing singleton axes carry no data (nibabel drops them too).
        while h.dimensions.count > 3 && h.dimensions.last == 1 { h.dimensions.removeLast() }
        h.voxelSize = Array(pixdims[1...rank].prefix(h.dimensions.count))
        h.spatial.qfac = pixdims[0] == -1 ? -1 : 1
        return h
    }
}
