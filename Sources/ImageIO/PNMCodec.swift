import Foundation
import TensorCore

/// Netpbm reader and writer (pure Swift).
///
/// Reads PBM (P1 ASCII, P4 binary; samples 0/1 as in the file, where 1 is black), PGM (P2, P5) and
/// PPM (P3, P6). `maxval` ≤ 255 decodes to `uint8`, 256...65535 to `uint16` (binary 16-bit
/// samples are big-endian in the file, host order in the `RawImage`); the file's `maxval` is
/// kept in `info.maxval`, values are not rescaled. Writes PGM/PPM, binary or ASCII.
public enum PNMCodec {
    /// Decodes the PNM file at `url`.
    public static func read(_ url: URL, options: ImageReadOptions = .standard) throws -> RawImage {
        try decode(FileBytes.read(url), file: ImageIOError.name(url), options: options)
    }

    /// Reads only the header of the PNM file at `url`.
    public static func info(_ url: URL) throws -> ImageInfo {
        let bytes = try FileBytes.read(url)
        let name = ImageIOError.name(url)
        var scanner = PNMHeaderScanner(bytes: bytes, file: name)
        return try scanner.header(options: .allowHugeImages).info
    }

    /// Decodes PNM bytes; `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String, options: ImageReadOptions = .standard) throws -> RawImage {
        var scanner = PNMHeaderScanner(bytes: bytes, file: file)
        let header = try scanner.header(options: options)
        let info = header.info
        try options.checkBytes(width: info.width, height: info.height, channels: info.channels, byteSize: info.dtype.byteSize, file: file)
        let samples = info.width * info.height * info.channels
        let byteSize = info.dtype.byteSize
        // Every sample needs at least one byte (binary) or a digit and a separator (ASCII, P1
        // one digit): check the file can hold them before allocating.
        let remaining = bytes.count - scanner.position
        let minimum = header.kind == 4 ? ((info.width + 7) / 8) * info.height
            : header.kind >= 5 ? samples * byteSize : header.kind == 1 ? samples : 2 * samples - 1
        guard remaining >= minimum else {
            throw ImageIOError.truncated(file: file, field: "P\(header.kind) raster", expectedBytes: minimum, availableBytes: remaining)
        }
        var out = [UInt8](repeating: 0, count: samples * byteSize)
        let maxval = header.maxval

        switch header.kind {
        case 4: // packed bits, rows padded to bytes
            let rowBytes = (info.width + 7) / 8
            let start = scanner.position // length checked above
            for y in 0..<info.height {
                for x in 0..<info.width {
                    let byte = bytes[start + y * rowBytes + x / 8]
                    out[y * info.width + x] = (byte >> (7 - UInt8(x % 8))) & 1
                }
            }
        case 5, 6:
            let need = samples * byteSize
            let start = scanner.position // length checked above
            out.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[start..<(start + need)]))
                }
            }
            if byteSize == 2 { ByteOrder.convert(&out, elementSize: 2, fileIsLittleEndian: false) }
            // Values above maxval are invalid PNM.
            let bad: Int? = out.withUnsafeBytes { raw -> Int? in
                if byteSize == 1 {
                    for i in 0..<samples where Int(raw[i]) > maxval { return Int(raw[i]) }
                } else {
                    for i in 0..<samples {
                        let v = Int(raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                        if v > maxval { return v }
                    }
                }
                return nil
            }
            if let bad { throw ImageIOError.invalidField(file: file, field: "sample value", expected: "0...\(maxval) (maxval)", got: "\(bad)") }
        default: // 1, 2, 3: ASCII decimal samples
            for i in 0..<samples {
                let v: Int
                if header.kind == 1 {
                    v = try scanner.bit(field: "P1 sample \(i)")
                } else {
                    v = try scanner.integer(field: "sample \(i)", range: 0...maxval)
                }
                if byteSize == 1 { out[i] = UInt8(v) } else {
                    let le = UInt16(v)
                    out.withUnsafeMutableBytes { $0.storeBytes(of: le, toByteOffset: i * 2, as: UInt16.self) }
                }
            }
        }
        var image = RawImage(width: info.width, height: info.height, channels: info.channels, dtype: info.dtype, bytes: out)
        image.info = info
        return image
    }

    /// Writes `image` as PGM (1 channel) or PPM (3 channels).
    /// - Parameters:
    ///   - image: `uint8` or `uint16` samples.
    ///   - maxval: the file's maximum value (1...65535; default 255 for `uint8`, 65535 for
    ///     `uint16`). Every sample must be ≤ maxval; maxval > 255 needs `uint16` samples.
    ///   - ascii: write P2/P3 (decimal text) instead of P5/P6.
    public static func write(_ image: RawImage, to url: URL, maxval: Int? = nil, ascii: Bool = false) throws {
        let file = ImageIOError.name(url)
        let kind: Int
        switch image.channels {
        case 1: kind = ascii ? 2 : 5
        case 3: kind = ascii ? 3 : 6
        default: throw ImageIOError.unsupported(file: file, field: "channels", value: "\(image.channels)", supported: "1 (PGM), 3 (PPM)")
        }
        guard image.dtype == .uint8 || image.dtype == .uint16 else {
            throw ImageIOError.unsupported(file: file, field: "dtype", value: image.dtype.rawValue, supported: "uint8, uint16")
        }
        let maxval = maxval ?? (image.dtype == .uint8 ? 255 : 65535)
        let limit = image.dtype == .uint8 ? 255 : 65535
        guard (1...limit).contains(maxval) else {
            throw ImageIOError.invalidField(file: file, field: "maxval", expected: "1...\(limit) for \(image.dtype.rawValue)", got: "\(maxval)")
        }
        let n = image.sampleCount
        let values: [Int] = image.bytes.withUnsafeBytes { raw in
            image.dtype == .uint8 ? raw.map { Int($0) }
                : (0..<n).map { Int(raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }
        }
        if let bad = values.first(where: { $0 > maxval }) {
            throw ImageIOError.invalidField(file: file, field: "sample value", expected: "0...\(maxval) (maxval)", got: "\(bad)")
        }
        var out = Array("P\(kind)\n\(image.width) \(image.height)\n\(maxval)\n".utf8)
        if ascii {
            let perLine = image.width * image.channels
            for (i, v) in values.enumerated() {
                out.append(contentsOf: String(v).utf8)
                out.append((i + 1) % perLine == 0 ? 0x0A : 0x20)
            }
        } else if maxval < 256 {
            out.reserveCapacity(out.count + n)
            for v in values { out.append(UInt8(v)) }
        } else {
            out.reserveCapacity(out.count + 2 * n)
            for v in values { out.append(UInt8(v >> 8)); out.append(UInt8(v & 0xFF)) }
        }
        try FileBytes.writeAtomically(out, to: url)
    }
}

/// Tokenises a Netpbm header: whitespace-separated decimal fields, `#` comments to end of line.
struct PNMHeaderScanner {
    let bytes: [UInt8]
    let file: String
    /// Index of the next unread byte; after `header` it points at the first raster byte.
    var position = 0

    struct Header {
        var kind: Int
        var maxval: Int
        var info: ImageInfo
    }

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C }

    mutating func header(options: ImageReadOptions) throws -> Header {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(bytes[1]) else {
            let magic = bytes.prefix(2).map { String(format: "%02X", $0) }.joined(separator: " ")
            throw ImageIOError.invalidField(file: file, field: "PNM magic", expected: "P1...P6", got: magic.isEmpty ? "empty file" : magic)
        }
        let kind = Int(bytes[1] - UInt8(ascii: "0"))
        position = 2
        let width = try integer(field: "width", range: 1...Int(Int32.max))
        let height = try integer(field: "height", range: 1...Int(Int32.max))
        let maxval = (kind == 1 || kind == 4) ? 1 : try integer(field: "maxval", range: 1...65535)
        if kind != 1 && kind != 2 && kind != 3 {
            // exactly one whitespace byte separates the header from a binary raster
            guard position < bytes.count, Self.isWhitespace(bytes[position]) else {
                throw ImageIOError.truncated(file: file, field: "header terminator", expectedBytes: 1, availableBytes: 0)
            }
            position += 1
        }
        try options.check(width: width, height: height, file: file, widthField: "width", heightField: "height")
        let channels = (kind == 3 || kind == 6) ? 3 : 1
        let dtype: DType = maxval < 256 ? .uint8 : .uint16
        var info = ImageInfo(format: .pnm, width: width, height: height, channels: channels, dtype: dtype,
                             bitDepth: maxval < 256 ? (kind == 1 || kind == 4 ? 1 : 8) : 16)
        info.colorModel = kind == 1 || kind == 4 ? "pbm" : (channels == 3 ? "ppm" : "pgm")
        info.maxval = maxval
        info.compression = kind <= 3 ? "ascii" : "none"
        if dtype == .uint16, kind >= 4 { info.byteOrder = "big" }
        return Header(kind: kind, maxval: maxval, info: info)
    }

    /// Skips whitespace and comments.
    mutating func skipSeparators() {
        while position < bytes.count {
            let b = bytes[position]
            if Self.isWhitespace(b) { position += 1 }
            else if b == UInt8(ascii: "#") {
                while position < bytes.count, bytes[position] != 0x0A, bytes[position] != 0x0D { position += 1 }
            } else { break }
        }
    }

    /// The next decimal field, which must lie in `range`.
    mutating func integer(field: String, range: ClosedRange<Int>) throws -> Int {
        skipSeparators()
        guard position < bytes.count else {
            throw ImageIOError.truncated(file: file, field: field, expectedBytes: 1, availableBytes: 0)
        }
        var value = 0
        var digits = 0
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            if value <= Int(Int32.max) { value = value * 10 + Int(bytes[position] - UInt8(ascii: "0")) }
            digits += 1
            position += 1
        }
        guard digits > 0 else {
            throw ImageIOError.invalidField(file: file, field: field, expected: "a decimal integer", got: "byte 0x\(String(format: "%02X", bytes[position]))")
        }
        if position < bytes.count, !Self.isWhitespace(bytes[position]), bytes[position] != UInt8(ascii: "#") {
            throw ImageIOError.invalidField(file: file, field: field, expected: "a decimal integer", got: "byte 0x\(String(format: "%02X", bytes[position])) after \(value)")
        }
        guard range.contains(value) else {
            throw ImageIOError.invalidField(file: file, field: field, expected: "\(range.lowerBound)...\(range.upperBound)", got: "\(value)")
        }
        return value
    }

    /// The next P1 sample: a single `0` or `1` (P1 allows them without separators).
    mutating func bit(field: String) throws -> Int {
        skipSeparators()
        guard position < bytes.count else {
            throw ImageIOError.truncated(file: file, field: field, expectedBytes: 1, availableBytes: 0)
        }
        let b = bytes[position]
        guard b == UInt8(ascii: "0") || b == UInt8(ascii: "1") else {
            throw ImageIOError.invalidField(file: file, field: field, expected: "0 or 1", got: "byte 0x\(String(format: "%02X", b))")
        }
        position += 1
        return Int(b - UInt8(ascii: "0"))
    }
}
