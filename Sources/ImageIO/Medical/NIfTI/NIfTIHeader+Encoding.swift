import TensorCore

extension NIfTISpatial {
    /// Reads the spatial fields (all but pixdim[0]) of a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header.
    static func parse(_ c: FileByteCursor, version: Int) throws -> NIfTISpatial {
        var s = NIfTISpatial()
        if version == 1 {
            s.qformCode = Int(Int16(bitPattern: try c.peek(UInt16.self, at: 252, "qform_code")))
            s.sformCode = Int(Int16(bitPattern: try c.peek(UInt16.self, at: 254, "sform_code")))
            let names = ["quatern_b", "quatern_c", "quatern_d", "qoffset_x", "qoffset_y", "qoffset_z"]
            let q = try (0..<6).map { Double(try c.float32(at: 256 + 4 * $0, names[$0])) }
            s.quaternion = Array(q[0..<3])
            s.qoffset = Array(q[3..<6])
            s.srow = try ["srow_x", "srow_y", "srow_z"].enumerated().map { r, name in
                try (0..<4).map { Double(try c.float32(at: 280 + 16 * r + 4 * $0, "\(name)[\($0)]")) }
            }
            s.xyztUnits = Int(try c.peek(UInt8.self, at: 123, "xyzt_units"))
        } else {
            s.qformCode = Int(Int32(bitPattern: try c.peek(UInt32.self, at: 344, "qform_code")))
            s.sformCode = Int(Int32(bitPattern: try c.peek(UInt32.self, at: 348, "sform_code")))
            let names = ["quatern_b", "quatern_c", "quatern_d", "qoffset_x", "qoffset_y", "qoffset_z"]
            let q = try (0..<6).map { try c.float64(at: 352 + 8 * $0, names[$0]) }
            s.quaternion = Array(q[0..<3])
            s.qoffset = Array(q[3..<6])
            s.srow = try ["srow_x", "srow_y", "srow_z"].enumerated().map { r, name in
                try (0..<4).map { try c.float64(at: 400 + 32 * r + 8 * $0, "\(name)[\($0)]") }
            }
            s.xyztUnits = Int(Int32(bitPattern: try c.peek(UInt32.self, at: 500, "xyzt_units")))
        }
        return s
    }
}

extension NIfTIHeader {
    /// NIfTI's datatype code and bitpix for an element type, or nil for one NIfTI cannot store (bfloat16).
    public static func datatype(of dtype: DType) -> (code: Int, bitpix: Int)? {
        let codes: [DType: Int] = [.uint8: 2, .int16: 4, .int32: 8, .float32: 16, .float64: 64, .int8: 256, .uint16: 512,
                                   .uint32: 768, .int64: 1024, .uint64: 1280]
        return codes[dtype].map { ($0, dtype.byteSize * 8) }
    }

    /// The 348-byte little-endian NIfTI-1 header of this one (magic `n+1`, voxels at byte 352, after a
    /// 4-byte extension flag of zeros that the caller appends), with `spatial`'s values rounded to float32.
    /// - Parameters:
    ///   - description: `descrip`, at most 79 bytes kept.
    ///   - displayRange: `cal_min`, `cal_max` (viewers' default window), or zeros.
    public func encodedNIfTI1(description: String = "", displayRange: (min: Double, max: Double)? = nil) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 348)
        func put<T: FixedWidthInteger>(_ v: T, _ at: Int) {
            withUnsafeBytes(of: v.littleEndian) { for (i, x) in $0.enumerated() { b[at + i] = x } }
        }
        func float(_ v: Double, _ at: Int) { put(Float(v).bitPattern, at) }
        put(Int32(348), 0)
        b[38] = UInt8(ascii: "r")  // `regular`, as nibabel writes it
        put(Int16(dimensions.count), 40)
        for k in 0..<7 { put(Int16(k < dimensions.count ? dimensions[k] : 1), 42 + 2 * k) }
        put(Int16(datatype), 70)
        put(Int16(bitpix), 72)
        float(spatial.qfac, 76)
        for k in 0..<7 { float(k < voxelSize.count ? voxelSize[k] : 1, 80 + 4 * k) }
        float(352, 108)
        float(sclSlope, 112)
        float(sclInter, 116)
        b[123] = UInt8(truncatingIfNeeded: spatial.xyztUnits)
        if let r = displayRange { float(r.max, 124); float(r.min, 128) }
        for (i, x) in description.utf8.prefix(79).enumerated() { b[148 + i] = x }
        put(Int16(spatial.qformCode), 252)
        put(Int16(spatial.sformCode), 254)
        for (k, v) in (spatial.quaternion + spatial.qoffset).enumerated() { float(v, 256 + 4 * k) }
        for (r, row) in spatial.srow.enumerated() { for (k, v) in row.enumerated() { float(v, 280 + 16 * r + 4 * k) } }
        for (i, x) in "n+1".utf8.enumerated() { b[344 + i] = x }
        return b
    }
}
