/// RLE Lossless (PS3.5 Annex G): a 64-byte header of 16 little-endian UInt32 (segment count, then up to 15
/// segment offsets from the start of the frame), then PackBits-coded segments. Segment `s × B + b` holds byte
/// `b` (most significant first) of sample `s` of every pixel, for `B` bytes per sample.
enum DICOMRLE {
    /// Decodes one frame into interleaved samples, `rows × columns × samples × bytesPerSample` bytes, each
    /// sample little-endian.
    static func decodeFrame(_ frame: [UInt8], pixels: Int, samples: Int, bytesPerSample: Int,
                            file: String) throws -> [UInt8] {
        func refuse(_ field: String, _ expected: String, _ got: String) -> ImageIOError {
            .invalidField(file: file, field: "RLE \(field)", expected: expected, got: got)
        }
        guard frame.count >= 64 else { throw refuse("header", "64 bytes", "\(frame.count) bytes") }
        func u32(_ i: Int) -> Int { DICOMEncapsulatedFrames.uint32LE(frame, at: i) }
        let segments = samples * bytesPerSample
        guard u32(0) == segments else { throw refuse("segment count", "\(segments)", "\(u32(0))") }
        let offsets = (1...segments).map { u32(4 * $0) }
        var out = [UInt8](repeating: 0, count: pixels * segments)
        for k in 0..<segments {
            let start = offsets[k], end = k + 1 < segments ? offsets[k + 1] : frame.count
            guard start >= 64, start <= end, end <= frame.count else {
                throw refuse("segment \(k) offsets", "64...\(frame.count), increasing", "\(start)..<\(end)")
            }
            let sample = k / bytesPerSample, byte = bytesPerSample - 1 - k % bytesPerSample
            var i = start, p = 0
            let stride = segments, base = sample * bytesPerSample + byte
            while p < pixels && i < end {
                let n = Int(Int8(bitPattern: frame[i])); i += 1
                if n >= 0 {
                    let count = min(n + 1, pixels - p, end - i)
                    for j in 0..<count { out[(p + j) * stride + base] = frame[i + j] }
                    p += count; i += n + 1
                } else if n != -128 {
                    guard i < end else { break }
                    let value = frame[i], count = min(1 - n, pixels - p)
                    for j in 0..<count { out[(p + j) * stride + base] = value }
                    p += count; i += 1
                }
            }
            guard p == pixels else { throw refuse("segment \(k)", "\(pixels) decoded bytes", "\(p)") }
        }
        return out
    }
}
