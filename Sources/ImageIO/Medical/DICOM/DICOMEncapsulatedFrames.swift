/// Splits encapsulated Pixel Data (PS3.5 §A.4) into the compressed bytes of each frame, as pydicom's
/// `generate_frames`: by the Basic Offset Table when it is not empty; else one frame per fragment when the
/// counts agree; else (JPEG, JPEG-LS, JPEG 2000, all of which end a codestream with 0xFFD9) a frame ends at a
/// fragment whose last bytes, after trailing 0x00 padding, are the EOI / EOC marker.
enum DICOMEncapsulatedFrames {
    /// - Parameters:
    ///   - items: the Pixel Data items in order; the first is the Basic Offset Table (possibly empty).
    ///   - frames: Number of Frames (≥ 1).
    ///   - endsWithMarker: whether a frame's codestream ends with 0xFFD9 (false for RLE).
    /// - Returns: `frames` byte arrays, each the concatenation of its fragments.
    static func split(items: [ArraySlice<UInt8>], frames: Int, endsWithMarker: Bool, file: String) throws -> [[UInt8]] {
        func refuse(_ expected: String, _ got: String) -> ImageIOError {
            .invalidField(file: file, field: "encapsulated PixelData (7FE0,0010)", expected: expected, got: got)
        }
        guard let table = items.first else { throw refuse("a Basic Offset Table item", "no items") }
        let fragments = Array(items.dropFirst())
        guard !fragments.isEmpty else { throw refuse("at least one fragment", "none") }
        if frames == 1 { return [fragments.reduce(into: []) { $0.append(contentsOf: $1) }] }
        if !table.isEmpty {
            guard table.count % 4 == 0, table.count / 4 == frames else {
                throw refuse("a Basic Offset Table of \(frames) 32-bit offsets", "\(table.count) bytes")
            }
            let b = Array(table)
            let offsets = (0..<frames).map { k in uint32LE(b, at: 4 * k) }
            // Byte position of each fragment's item tag, relative to the first fragment's.
            var starts: [Int] = [], position = 0
            for f in fragments { starts.append(position); position += 8 + f.count }
            var out: [[UInt8]] = []
            for k in 0..<frames {
                let lo = offsets[k], hi = k + 1 < frames ? offsets[k + 1] : position
                guard lo < hi, starts.contains(lo) else { throw refuse("increasing offsets at fragment starts", "\(offsets)") }
                out.append(zip(starts, fragments).filter { $0.0 >= lo && $0.0 < hi }
                    .reduce(into: []) { $0.append(contentsOf: $1.1) })
            }
            return out
        }
        if fragments.count == frames { return fragments.map { Array($0) } }
        guard fragments.count > frames, endsWithMarker else {
            throw refuse("\(frames) frames in \(fragments.count) fragments without an offset table", "too few fragments")
        }
        var out: [[UInt8]] = [], current: [UInt8] = []
        for f in fragments {
            current.append(contentsOf: f)
            if endsWithEOI(f) { out.append(current); current = [] }
        }
        if !current.isEmpty { out.append(current) }
        guard out.count == frames else {
            throw refuse("\(frames) frames ending in 0xFFD9", "\(out.count) in \(fragments.count) fragments")
        }
        return out
    }

    /// The little-endian UInt32 at byte `i` of `b` (bounds checked by the caller).
    static func uint32LE(_ b: [UInt8], at i: Int) -> Int {
        let lo = Int(b[i]) | Int(b[i + 1]) << 8
        let hi = Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24
        return lo | hi
    }

    /// Whether a fragment ends with 0xFF 0xD9, allowing trailing 0x00 padding.
    static func endsWithEOI(_ f: ArraySlice<UInt8>) -> Bool {
        var end = f.endIndex
        while end > f.startIndex, f[end - 1] == 0, f.endIndex - end < 8 { end -= 1 }
        return end - f.startIndex >= 2 && f[end - 2] == 0xFF && f[end - 1] == 0xD9
    }
}
