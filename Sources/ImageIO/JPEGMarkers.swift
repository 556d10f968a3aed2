/// What a JPEG's marker segments before the first scan say that libjpeg does not report: the frame
/// type and sample precision (so a 12-bit or lossless file is refused by name before libjpeg runs)
/// and the EXIF orientation. The walk is lenient: on a malformed segment it stops and leaves the
/// verdict to libjpeg.
struct JPEGMarkers {
    /// The SOFn marker (0xC0...0xCF without C4, C8, CC), nil when none was reached.
    var frameMarker: UInt8?
    /// Bits per sample of the frame (SOF byte 0).
    var precision: Int?
    /// EXIF IFD0 tag 0x0112 (1...8), nil when absent or out of range.
    var orientation: Int?
    /// Component identifiers of the frame header (SOFn, or JPEG-LS SOF55), in order.
    var componentIDs: [UInt8] = []
    /// Lines and samples per line of the frame header (SOFn or SOF55), in pixels.
    var height: Int?, width: Int?
    /// Whether an APP0 segment starts with `JFIF`.
    var hasJFIF = false
    /// Whether libjpeg would warn while reading the segments before the first scan: bytes between two segments
    /// (it skips them) or a JFIF segment whose major version is not 1.
    var headerWarns = false

    /// Lossless processes (SOF3, SOF7, SOF11, SOF15).
    var isLossless: Bool { frameMarker.map { [0xC3, 0xC7, 0xCB, 0xCF].contains($0) } ?? false }

    init(_ b: [UInt8]) {
        var i = 2  // after SOI
        while i + 4 <= b.count {
            guard b[i] == 0xFF else { headerWarns = true; break }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            if marker == 0xDA || marker == 0xD9 { break }  // start of scan / end of image
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            let start = i + 4, end = i + 2 + length
            guard length >= 2, end <= b.count else { break }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker), start < end {
                frameMarker = marker
                precision = Int(b[start])
                readFrameHeader(b[start..<end])
            } else if marker == 0xF7, start < end {  // JPEG-LS SOF55
                precision = Int(b[start])
                readFrameHeader(b[start..<end])
            } else if marker == 0xE0, end - start >= 4, b[start..<start + 4].elementsEqual("JFIF".utf8) {
                hasJFIF = true
                if end - start >= 7, b[start + 5] != 1 { headerWarns = true }
            } else if marker == 0xE1, orientation == nil {
                orientation = Self.exifOrientation(b[start..<end])
            }
            i = end
        }
    }

    /// Size and component identifiers of a frame header payload.
    mutating func readFrameHeader(_ s: ArraySlice<UInt8>) {
        componentIDs = Self.componentIDs(s)
        guard s.count >= 5 else { return }
        let i = s.startIndex
        height = Int(s[i + 1]) << 8 | Int(s[i + 2])
        width = Int(s[i + 3]) << 8 | Int(s[i + 4])
    }

    /// The component identifiers of a frame header payload: precision, height, width, count, then 3 bytes each.
    static func componentIDs(_ s: ArraySlice<UInt8>) -> [UInt8] {
        guard s.count >= 6 else { return [] }
        let n = Int(s[s.startIndex + 5])
        guard s.count >= 6 + 3 * n else { return [] }
        return (0..<n).map { s[s.startIndex + 6 + 3 * $0] }
    }

    /// Orientation from an `Exif\0\0` APP1 payload (a TIFF structure), or nil.
    static func exifOrientation(_ s: ArraySlice<UInt8>) -> Int? {
        let p = Array(s)
        guard p.count >= 14, p[0..<6].elementsEqual([0x45, 0x78, 0x69, 0x66, 0, 0]) else { return nil }
        let t = Array(p[6...])
        let little: Bool
        switch (t[0], t[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= t.count else { return nil }
            return little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for k in 0..<count {
            let e = ifd + 2 + 12 * k
            guard let tag = u16(e) else { return nil }
            // SHORT (type 3), count 1: the value sits in the first two bytes of the value field.
            if tag == 0x0112, u16(e + 2) == 3, let v = u16(e + 8) { return (1...8).contains(v) ? v : nil }
        }
        return nil
    }
}
