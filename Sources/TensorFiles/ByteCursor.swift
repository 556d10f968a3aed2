/// What a bounds check of `ByteCursor` found missing: `needed` bytes for `field` at byte `offset`
/// of the file, of which `available` were there. Each file reader turns it into its own typed
/// error (`TensorFileError.truncated` here, `ImageIOError.truncatedAt` in ImageIO), so the cursor
/// stays neutral and messages keep naming the reader's file and field.
public struct ByteTruncation: Sendable, Equatable {
    public let file: String
    public let field: String
    public let offset: Int
    public let needed: Int
    public let available: Int

    public init(file: String, field: String, offset: Int, needed: Int, available: Int) {
        self.file = file
        self.field = field
        self.offset = offset
        self.needed = needed
        self.available = available
    }
}

/// Bounds-checked sequential reads from untrusted bytes in a chosen byte order: every read checks
/// the remaining length first and throws the reader's truncation error naming the field being read,
/// so parsers never read past the end. The one cursor behind the tensor-file readers (NPY,
/// safetensors, the ZIP directory and pickle of `.pth`; `Sources/TensorFiles/ByteReader.swift`)
/// and ImageIO's DICOM, NIfTI and FLIR parsers.
///
/// `Bytes` is a byte array (ImageIO keeps whole files as `[UInt8]`) or a raw buffer (tensor files
/// are read inside `Data.withUnsafeBytes` and must outlive the cursor). Offsets count from the
/// first byte of `bytes`; errors report `origin + offset`, the position in the whole file.
public struct ByteCursor<Bytes: RandomAccessCollection> where Bytes.Element == UInt8, Bytes.Index == Int {
    public let bytes: Bytes
    /// Name used in error messages (usually the file's last path component).
    public let file: String
    /// Prefix of the field names in error messages, e.g. `"header"`; empty for none.
    public let section: String
    /// Offset of the next byte to read, relative to the first byte of `bytes`.
    public var offset: Int
    /// Byte order of `read` and `peek`.
    public var littleEndian: Bool
    /// The buffer's offset in the whole file, added to offsets in errors.
    public let origin: Int
    /// Makes the reader's typed error from a truncation.
    public let truncationError: @Sendable (ByteTruncation) -> any Error

    public init(_ bytes: Bytes, file: String, section: String = "", offset: Int = 0, littleEndian: Bool = true,
                origin: Int = 0, truncationError: @escaping @Sendable (ByteTruncation) -> any Error) {
        self.bytes = bytes
        self.file = file
        self.section = section
        self.offset = offset
        self.littleEndian = littleEndian
        self.origin = origin
        self.truncationError = truncationError
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    /// `field` prefixed with `section` (either may be empty).
    public func qualified(_ field: String) -> String {
        section.isEmpty ? field : field.isEmpty ? section : "\(section) \(field)"
    }

    /// Throws unless `count` bytes are available at `position` (default: the current offset).
    @inlinable
    public func require(_ count: Int, _ field: String, at position: Int? = nil) throws {
        let p = position ?? offset
        if count < 0 || p < 0 || p > bytes.count || bytes.count - p < count {
            throw truncationError(ByteTruncation(file: file, field: qualified(field), offset: origin + p, needed: count,
                                                 available: max(0, bytes.count - max(p, 0))))
        }
    }

    /// The integer at `position` in the given byte order, without moving.
    @inlinable
    public func peek<T: FixedWidthInteger>(_: T.Type, at position: Int, littleEndian: Bool, _ field: String) throws -> T {
        try require(MemoryLayout<T>.size, field, at: position)
        let start = bytes.startIndex + position
        var v: T = 0
        withUnsafeMutableBytes(of: &v) { dst in
            for i in 0..<MemoryLayout<T>.size { dst[i] = bytes[start + i] }
        }
        return littleEndian ? T(littleEndian: v) : T(bigEndian: v)
    }

    /// The integer at `position` in the cursor's byte order, without moving.
    @inlinable
    public func peek<T: FixedWidthInteger>(_: T.Type, at position: Int, _ field: String) throws -> T {
        try peek(T.self, at: position, littleEndian: littleEndian, field)
    }

    /// The next integer in the given byte order.
    @inlinable
    public mutating func integer<T: FixedWidthInteger>(_: T.Type, littleEndian: Bool, _ field: String) throws -> T {
        let v = try peek(T.self, at: offset, littleEndian: littleEndian, field)
        offset += MemoryLayout<T>.size
        return v
    }

    /// The next integer in the cursor's byte order.
    @inlinable
    public mutating func read<T: FixedWidthInteger>(_: T.Type, _ field: String) throws -> T {
        try integer(T.self, littleEndian: littleEndian, field)
    }

    /// The next `count` bytes (no copy: a slice of `bytes`).
    public mutating func readBytes(_ count: Int, _ field: String) throws -> Bytes.SubSequence {
        try require(count, field)
        let start = bytes.startIndex + offset
        offset += count
        return bytes[start..<(start + count)]
    }

    public mutating func skip(_ count: Int, _ field: String) throws {
        try require(count, field)
        offset += count
    }

    public func float32(at position: Int, _ field: String) throws -> Float {
        Float(bitPattern: try peek(UInt32.self, at: position, field))
    }

    public func float64(at position: Int, _ field: String) throws -> Double {
        Double(bitPattern: try peek(UInt64.self, at: position, field))
    }
}
