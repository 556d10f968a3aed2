/// The tensor-file readers' cursor: `ByteCursor` over a raw buffer (created inside
/// `Data.withUnsafeBytes`; the buffer must outlive it), little-endian, whose truncations are
/// `TensorFileError.truncated` naming `file` and `section field`.
typealias ByteReader = ByteCursor<UnsafeRawBufferPointer>

extension ByteCursor where Bytes == UnsafeRawBufferPointer {
    /// A little-endian reader of `bytes`, which start at byte `origin` of `file`; `section` prefixes
    /// every field name in errors (e.g. `"data.pkl"`).
    init(_ bytes: UnsafeRawBufferPointer, file: String, section: String, origin: Int = 0) {
        self.init(bytes, file: file, section: section, origin: origin) { t in
            TensorFileError.truncated(file: t.file, field: t.field, offset: t.offset, needed: t.needed,
                                      available: t.available)
        }
    }

    mutating func u8(_ field: String) throws -> UInt8 { try read(UInt8.self, field) }
    mutating func u16(_ field: String) throws -> UInt16 { try read(UInt16.self, field) }
    mutating func u32(_ field: String) throws -> UInt32 { try read(UInt32.self, field) }
    mutating func u64(_ field: String) throws -> UInt64 { try read(UInt64.self, field) }

    /// The next `count` bytes as a sub-buffer (no copy), indexed from 0.
    mutating func slice(_ count: Int, _ field: String) throws -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: try readBytes(count, field))
    }

    /// The next `count` bytes decoded as UTF-8 (invalid UTF-8 is an error, not a repair).
    mutating func utf8(_ count: Int, _ field: String) throws -> String {
        let at = origin + offset
        let s = try slice(count, field)
        guard let str = String(validating: s, as: UTF8.self) else {
            throw TensorFileError.malformed(file: file, field: "\(section) \(field) at byte \(at)",
                                            expected: "UTF-8 text", got: "\(count) invalid bytes")
        }
        return str
    }

    /// Bytes up to (not including) the next `\n`, which is consumed; at most `limit` bytes.
    mutating func line(_ field: String, limit: Int = 4096) throws -> String {
        let start = offset
        var i = offset
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
        offset += 1
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
