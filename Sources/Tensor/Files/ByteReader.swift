/// A bounds-checked little/big-endian cursor over raw bytes. Every read checks the remaining
/// length first and throws `TensorFileError.truncated` naming `file` and the field being read,
/// so parsers of untrusted files never read past the end.
///
/// The buffer must outlive the reader (readers are created inside `Data.withUnsafeBytes`).
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    /// Name used in error messages (usually the file's last path component).
    let file: String
    /// Prefix of the field names in error messages, e.g. `"data.pkl"`.
    let section: String
    /// Offset of the next byte to read, relative to `bytes`.
    var position: Int = 0
    /// Offset reported in errors = `origin + position` (the buffer's offset in the whole file).
    let origin: Int

    init(_ bytes: UnsafeRawBufferPointer, file: String, section: String, origin: Int = 0) {
        self.bytes = bytes
        self.file = file
        self.section = section
        self.origin = origin
    }

    var remaining: Int { bytes.count - position }
    var isAtEnd: Bool { position >= bytes.count }

    /// Throws unless `count` more bytes are available.
    func require(_ count: Int, _ field: String) throws {
        if count < 0 || count > remaining {
            throw TensorFileError.truncated(file: file, field: field.isEmpty ? section : "\(section) \(field)",
                                            offset: origin + position, needed: count, available: remaining)
        }
    }

    mutating func skip(_ count: Int, _ field: String) throws {
        try require(count, field)
        position += count
    }

    mutating func u8(_ field: String) throws -> UInt8 {
        try require(1, field)
        defer { position += 1 }
        return bytes[position]
    }

    mutating func integer<T: FixedWidthInteger>(_: T.Type, littleEndian: Bool = true, _ field: String) throws -> T {
        let n = MemoryLayout<T>.size
        try require(n, field)
        let raw = bytes.baseAddress!.loadUnaligned(fromByteOffset: position, as: T.self)
        position += n
        return littleEndian ? T(littleEndian: raw) : T(bigEndian: raw)
    }

    mutating func u16(_ field: String) throws -> UInt16 { try integer(UInt16.self, field) }
    mutating func u32(_ field: String) throws -> UInt32 { try integer(UInt32.self, field) }
    mutating func u64(_ field: String) throws -> UInt64 { try integer(UInt64.self, field) }

    /// The next `count` bytes as a sub-buffer (no copy).
    mutating func slice(_ count: Int, _ field: String) throws -> UnsafeRawBufferPointer {
        try require(count, field)
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)])
    }

    /// The next `count` bytes decoded as UTF-8 (invalid UTF-8 is an error, not a repair).
    mutating func utf8(_ count: Int, _ field: String) throws -> String {
        let at = origin + position
        let s = try slice(count, field)
        guard let str = String(validating: s, as: UTF8.self) else {
            throw TensorFileError.malformed(file: file, field: "\(section) \(field) at byte \(at)",
                                            expected: "UTF-8 text", got: "\(count) invalid bytes")
        }
        return str
    }

    /// Bytes up to (not including) the next `\n`, which is consumed; at most `limit` bytes.
    mutating func line(_ field: String, limit: Int = 4096) throws -> String {
        let start = position
        var i = position
        while i < bytes.count && bytes[i] != 0x0A {
            i += 1
            if i - start > limit {
                throw TensorFileError.malformed(file: file, field: "\(section) \(field) at byte \(origin + start)",
                                                expected: "a line of at most \(limit) bytes", got: "a longer line")
            }
        }
        guard i < bytes.count else {
            throw TensorFileError.truncated(file: file, field: "\(section) \(field)", offset: origin + start,
                                            needed: i - start + 1, available: i - start)
        }
        let s = try utf8(i - start, field)
        position += 1
        return s
    }
}

/// Hex rendering of up to `limit` bytes, for error messages.
func hexPreview(_ bytes: UnsafeRawBufferPointer, limit: Int = 8) -> String {
    bytes.prefix(limit).map { b in
        let h = String(b, radix: 16)
        return h.count == 1 ? "0" + h : h
    }.joined(separator: " ")
}
