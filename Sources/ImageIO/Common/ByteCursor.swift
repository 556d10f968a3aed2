import Foundation

/// Bounds-checked sequential reads from a byte array in a chosen byte order. Every read that
/// would pass the end throws `ImageIOError.truncatedAt` naming the field being read.
struct ByteCursor {
    let bytes: [UInt8]
    let file: String
    var offset: Int
    var littleEndian: Bool

    init(_ bytes: [UInt8], file: String, offset: Int = 0, littleEndian: Bool = true) {
        self.bytes = bytes
        self.file = file
        self.offset = offset
        self.littleEndian = littleEndian
    }

    var remaining: Int { bytes.count - offset }
    var atEnd: Bool { offset >= bytes.count }

    func require(_ n: Int, _ field: String, at position: Int? = nil) throws {
        let p = position ?? offset
        if n < 0 || p < 0 || p > bytes.count || bytes.count - p < n {
            throw ImageIOError.truncatedAt(file: file, field: field, offset: p, needed: n,
                                           available: max(0, bytes.count - max(p, 0)))
        }
    }

    func peek<T: FixedWidthInteger>(_: T.Type, at position: Int, _ field: String) throws -> T {
        try require(MemoryLayout<T>.size, field, at: position)
        var v: T = 0
        withUnsafeMutableBytes(of: &v) { dst in
            for i in 0..<MemoryLayout<T>.size { dst[i] = bytes[position + i] }
        }
        return littleEndian ? T(littleEndian: v) : T(bigEndian: v)
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: String) throws -> T {
        let v = try peek(T.self, at: offset, field)
        offset += MemoryLayout<T>.size
        return v
    }

    mutating func readBytes(_ n: Int, _ field: String) throws -> ArraySlice<UInt8> {
        try require(n, field)
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func skip(_ n: Int, _ field: String) throws {
        try require(n, field)
        offset += n
    }

    func float32(at position: Int, _ field: String) throws -> Float {
        Float(bitPattern: try peek(UInt32.self, at: position, field))
    }

    func float64(at position: Int, _ field: String) throws -> Double {
        Double(bitPattern: try peek(UInt64.self, at: position, field))
    }
}
