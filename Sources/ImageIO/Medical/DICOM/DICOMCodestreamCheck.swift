/// Checks a compressed frame's own header against the data set before GDCM sees it: GDCM (Debian's build keeps
/// its `assert`s) aborts the process on some inconsistent codestreams, e.g. a JPEG colour space it does not
/// expect. The frame must declare the data set's rows, columns and samples per pixel, and a precision that fits
/// BitsAllocated. A JPEG frame must also read without a libjpeg warning before its first scan (bytes between
/// marker segments, an unknown JFIF version) and have 1 or 3 components: GDCM asserts on either (found by
/// scripts/fuzz, docs/RELIABILITY.md). Returns a JPEG or JPEG-LS frame's markers, for the decoder to reuse.
enum DICOMCodestreamCheck {
    @discardableResult
    static func check(_ c: [UInt8], _ info: DICOMCodecDecoder.FrameInfo, file: String) throws -> JPEGMarkers? {
        let header: (rows: Int, columns: Int, components: Int, precision: Int)?
        var markers: JPEGMarkers?
        switch info.syntax.coding {
        case .jpeg, .jpegLS:
            guard c.count >= 4, c[0] == 0xFF, c[1] == 0xD8 else { header = nil; break }
            let m = JPEGMarkers(c)
            markers = m
            let lossless = info.syntax.coding == .jpegLS || m.isLossless
            if let h = m.height, let w = m.width, let p = m.precision,
               info.syntax.coding == .jpegLS || m.frameMarker != nil {
                // A JPEG frame of another process than the syntax's is left to the decoder; only sizes matter here.
                header = (h, w, m.componentIDs.count, lossless ? p : min(p, 12))
            } else { header = nil }
        case .jpeg2000:
            header = jpeg2000Size(c)
        default:
            return nil
        }
        guard let header else {
            throw ImageIOError.invalidField(file: file, field: "\(info.syntax) frame header",
                                            expected: "a \(info.syntax.name) codestream", got: "none found")
        }
        let expected = (info.rows, info.columns, info.samples)
        // A JPEG height of 0 means "defined by a DNL marker" (never used in DICOM); treat it as a mismatch.
        guard header.rows == expected.0, header.columns == expected.1, header.components == expected.2,
              (1...info.bitsAllocated).contains(header.precision) else {
            throw ImageIOError.invalidField(
                file: file, field: "\(info.syntax) frame header",
                expected: "\(expected.0) rows, \(expected.1) columns, \(expected.2) components, precision ≤ \(info.bitsAllocated)",
                got: "\(header.rows) rows, \(header.columns) columns, \(header.components) components, precision \(header.precision)")
        }
        if info.syntax.coding == .jpeg, let m = markers {
            if m.headerWarns {
                throw ImageIOError.codec(file: file, library: "libjpeg", message: "corrupt frame: bytes between marker segments or an unknown JFIF version")
            }
            if ![1, 3].contains(m.componentIDs.count) {
                throw ImageIOError.codec(file: file, library: "libjpeg",
                                         message: "a JPEG frame of \(m.componentIDs.count) components (expected 1 or 3)")
            }
        }
        return markers
    }

    /// Rows, columns, components and the first component's precision from a JPEG 2000 SIZ segment (after
    /// SOC 0xFF4F, 0xFF51), found within the first 64 KiB (a JP2 file wraps the codestream in boxes).
    static func jpeg2000Size(_ c: [UInt8]) -> (rows: Int, columns: Int, components: Int, precision: Int)? {
        let limit = min(c.count, 1 << 16)
        guard limit >= 4, let at = (0..<(limit - 3)).first(where: {
            c[$0] == 0xFF && c[$0 + 1] == 0x4F && c[$0 + 2] == 0xFF && c[$0 + 3] == 0x51
        }) else { return nil }
        let s = at + 4  // Lsiz
        guard s + 41 <= c.count else { return nil }
        func u32(_ i: Int) -> Int {
            let hi = Int(c[i]) << 24 | Int(c[i + 1]) << 16
            return hi | Int(c[i + 2]) << 8 | Int(c[i + 3])
        }
        let xs = u32(s + 4), ys = u32(s + 8), xo = u32(s + 12), yo = u32(s + 16)
        let components = Int(c[s + 36]) << 8 | Int(c[s + 37])
        let precision = Int(c[s + 38] & 0x7F) + 1
        return (ys - yo, xs - xo, components, precision)
    }
}
