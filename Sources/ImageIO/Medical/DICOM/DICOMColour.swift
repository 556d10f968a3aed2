/// Colour and bit-packing conversions of decoded DICOM samples, each as pydicom 3.0 does it.
enum DICOMColour {
    /// YBR_FULL → RGB for 8-bit interleaved samples (pydicom `convert_color_space`, PS3.3 C.7.6.3.1.2):
    /// float32 matrix product of (Y, Cb − 128, Cr − 128), + 0.5, floor, clip to 0...255.
    static func ybrFullToRGB(_ samples: inout [UInt8]) {
        let m10: Float = -0.114 * 1.772 / 0.587, m21: Float = -0.299 * 1.402 / 0.587
        let crR: Float = 1.402, cbB: Float = 1.772
        func clip(_ v: Float) -> UInt8 { UInt8(max(0, min(255, (v + 0.5).rounded(.down)))) }
        var i = 0
        while i + 2 < samples.count {
            let y = Float(samples[i]), cb = Float(samples[i + 1]) - 128, cr = Float(samples[i + 2]) - 128
            let r = y + cb * 0 + cr * crR
            let g = y + cb * m10 + cr * m21
            let b = y + cb * cbB + cr * 0
            samples[i] = clip(r); samples[i + 1] = clip(g); samples[i + 2] = clip(b)
            i += 3
        }
    }

    /// Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2): `Y1 Y2 Cb Cr` per pixel pair → `Y1 Cb Cr Y2 Cb Cr`.
    static func expandYBR422(_ packed: ArraySlice<UInt8>, pixels: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: pixels * 3)
        var i = packed.startIndex, o = 0
        while o + 5 < out.count, i + 3 < packed.endIndex {
            let y1 = packed[i], y2 = packed[i + 1], cb = packed[i + 2], cr = packed[i + 3]
            out[o] = y1; out[o + 1] = cb; out[o + 2] = cr; out[o + 3] = y2; out[o + 4] = cb; out[o + 5] = cr
            i += 4; o += 6
        }
        return out
    }

    /// BitsAllocated 1: `count` bits, least significant bit of each byte first, one byte (0 or 1) each.
    static func unpackBits(_ packed: ArraySlice<UInt8>, count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let base = packed.startIndex
        for k in 0..<count { out[k] = (packed[base + k >> 3] >> UInt8(k & 7)) & 1 }
        return out
    }
}
