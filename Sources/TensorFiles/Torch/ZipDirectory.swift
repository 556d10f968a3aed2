/// The entries of a ZIP archive, read from its central directory (including ZIP64 records), as
/// PyTorch's `torch.save` writes them. Only stored (uncompressed) entries can be read; the
/// payload offset comes from each entry's *local* header (`offset + 30 + name + extra`), because
/// PyTorch pads the local extra field so that payloads start on 64-byte boundaries.
struct ZipDirectory {
    struct Entry {
        let name: String
        /// 0 = stored; anything else is compressed and cannot be read here.
        let method: UInt16
        let compressedSize: Int
        let uncompressedSize: Int
        /// Offset of the local file header in the archive.
        let localHeaderOffset: Int
    }

    let file: String
    let bytes: UnsafeRawBufferPointer
    /// Entries in central-directory order.
    let entries: [Entry]
    private let index: [String: Int]

    /// Parses the end-of-central-directory record (and the ZIP64 one when present) and the central directory.
    init(_ bytes: UnsafeRawBufferPointer, file: String) throws {
        self.file = file
        self.bytes = bytes
        let eocd = try ZipDirectory.findEndRecord(bytes, file: file)
        var r = ByteReader(bytes, file: file, section: "ZIP end of central directory")
        r.offset = eocd + 4
        let disk = try r.u16("disk number"), cdDisk = try r.u16("directory disk")
        _ = try r.u16("entries on this disk")
        var count = Int(try r.u16("entry count"))
        var cdSize = Int(try r.u32("directory size"))
        var cdOffset = Int(try r.u32("directory offset"))
        if disk != 0 && disk != 0xFFFF || cdDisk != 0 && cdDisk != 0xFFFF {
            throw TensorFileError.unsupported(file: file, field: "ZIP end of central directory", what: "multi-disk archive")
        }
        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF || eocd >= 20 && ZipDirectory.signature(bytes, eocd - 20) == 0x0706_4B50 {
            // ZIP64 locator right before the EOCD: points at the ZIP64 end record
            guard eocd >= 20, ZipDirectory.signature(bytes, eocd - 20) == 0x0706_4B50 else {
                throw TensorFileError.missing(file: file, field: "ZIP64 end of central directory locator (needed by 0xFFFF… fields)")
            }
            var l = ByteReader(bytes, file: file, section: "ZIP64 locator")
            l.offset = eocd - 20 + 8
            let recordOffset = try l.u64("record offset")
            guard recordOffset <= UInt64(bytes.count), ZipDirectory.signature(bytes, Int(recordOffset)) == 0x0606_4B50 else {
                throw TensorFileError.malformed(file: file, field: "ZIP64 locator record offset",
                                                expected: "the offset of a ZIP64 end record (50 4b 06 06)", got: "\(recordOffset)")
            }
            var z = ByteReader(bytes, file: file, section: "ZIP64 end of central directory")
            z.offset = Int(recordOffset) + 4 + 8 + 2 + 2 + 4 + 4 + 8
            let total = try z.u64("entry count"), size = try z.u64("directory size"), off = try z.u64("directory offset")
            guard total <= UInt64(bytes.count), size <= UInt64(bytes.count), off <= UInt64(bytes.count) else {
                throw TensorFileError.malformed(file: file, field: "ZIP64 end of central directory",
                                                expected: "counts and offsets within the \(bytes.count)-byte file", got: "\(total) entries, \(size) bytes at \(off)")
            }
            count = Int(total); cdSize = Int(size); cdOffset = Int(off)
        }
        guard cdOffset <= bytes.count, cdSize <= bytes.count - cdOffset else {
            throw TensorFileError.truncated(file: file, field: "ZIP central directory", offset: cdOffset, needed: cdSize,
                                            available: max(0, bytes.count - cdOffset))
        }
        var c = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[cdOffset..<(cdOffset + cdSize)]),
                           file: file, section: "ZIP central directory", origin: cdOffset)
        var entries: [Entry] = []
        entries.reserveCapacity(min(count, cdSize / 46))
        for k in 0..<count {
            let at = cdOffset + c.offset
            let sig = try c.u32("entry \(k) signature")
            guard sig == 0x0201_4B50 else {
                throw TensorFileError.malformed(file: file, field: "ZIP central directory entry \(k) at byte \(at)",
                                                expected: "signature 50 4b 01 02", got: String(sig, radix: 16))
            }
            try c.skip(6, "entry \(k)")  // versions, flags
            let method = try c.u16("entry \(k) method")
            try c.skip(8, "entry \(k)")  // time, date, crc
            var csize = UInt64(try c.u32("entry \(k) compressed size"))
            var usize = UInt64(try c.u32("entry \(k) size"))
            let nameLength = Int(try c.u16("entry \(k) name length"))
            let extraLength = Int(try c.u16("entry \(k) extra length"))
            let commentLength = Int(try c.u16("entry \(k) comment length"))
            try c.skip(8, "entry \(k)")  // disk, attributes
            var local = UInt64(try c.u32("entry \(k) local header offset"))
            let name = try c.utf8(nameLength, "entry \(k) name")
            var extra = ByteReader(try c.slice(extraLength, "entry '\(name)' extra field"), file: file,
                                   section: "ZIP entry '\(name)' extra field", origin: cdOffset)
            while extra.remaining >= 4 {
                let id = try extra.u16("id"), size = Int(try extra.u16("size"))
                var block = ByteReader(try extra.slice(size, "block"), file: file, section: "ZIP entry '\(name)' ZIP64 field")
                if id == 0x0001 {
                    // present only for the fields that are 0xFFFFFFFF, in this order
                    if usize == 0xFFFF_FFFF { usize = try block.u64("size") }
                    if csize == 0xFFFF_FFFF { csize = try block.u64("compressed size") }
                    if local == 0xFFFF_FFFF { local = try block.u64("local header offset") }
                }
            }
            try c.skip(commentLength, "entry '\(name)' comment")
            guard csize <= UInt64(bytes.count), usize <= UInt64(Int.max), local <= UInt64(bytes.count) else {
                throw TensorFileError.malformed(file: file, field: "ZIP entry '\(name)'", expected: "sizes and offset within the \(bytes.count)-byte file",
                                                got: "compressed \(csize), offset \(local)")
            }
            entries.append(Entry(name: name, method: method, compressedSize: Int(csize), uncompressedSize: Int(usize),
                                 localHeaderOffset: Int(local)))
        }
        self.entries = entries
        var index: [String: Int] = [:]
        for (i, e) in entries.enumerated() { index[e.name] = i }
        self.index = index
    }

    /// The little-endian u32 at `offset`, or 0 when out of range.
    private static func signature(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        guard offset >= 0, offset + 4 <= bytes.count else { return 0 }
        return UInt32(littleEndian: bytes.baseAddress!.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// Offset of the end-of-central-directory record: searched backwards over the last 22 + 65,535
    /// bytes (the record plus the longest comment).
    private static func findEndRecord(_ bytes: UnsafeRawBufferPointer, file: String) throws -> Int {
        guard bytes.count >= 22 else {
            throw TensorFileError.truncated(file: file, field: "ZIP end of central directory", offset: 0, needed: 22, available: bytes.count)
        }
        var p = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while p >= lowest {
            if signature(bytes, p) == 0x0605_4B50 {
                let commentLength = Int(bytes[p + 20]) | Int(bytes[p + 21]) << 8
                if p + 22 + commentLength == bytes.count { return p }
            }
            p -= 1
        }
        throw TensorFileError.missing(file: file, field: "ZIP end of central directory record (50 4b 05 06; the file is truncated or not a ZIP)")
    }

    /// The entry called exactly `name`.
    func entry(named name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The stored bytes of `entry` (no copy).
    /// - Throws: `unsupported` for compressed entries, `malformed`/`truncated` for bad offsets.
    func payload(_ entry: Entry) throws -> UnsafeRawBufferPointer {
        guard entry.method == 0 else {
            throw TensorFileError.unsupported(file: file, field: "ZIP entry '\(entry.name)'",
                                              what: "compression method \(entry.method) (PyTorch writes stored entries, method 0)")
        }
        guard entry.compressedSize == entry.uncompressedSize else {
            throw TensorFileError.malformed(file: file, field: "ZIP entry '\(entry.name)'", expected: "equal sizes for a stored entry",
                                            got: "\(entry.compressedSize) compressed, \(entry.uncompressedSize) uncompressed")
        }
        var r = ByteReader(bytes, file: file, section: "ZIP local header of '\(entry.name)'")
        r.offset = entry.localHeaderOffset
        let sig = try r.u32("signature")
        guard sig == 0x0403_4B50 else {
            throw TensorFileError.malformed(file: file, field: "ZIP local header of '\(entry.name)' at byte \(entry.localHeaderOffset)",
                                            expected: "signature 50 4b 03 04", got: String(sig, radix: 16))
        }
        try r.skip(22, "fields")
        let nameLength = Int(try r.u16("name length")), extraLength = Int(try r.u16("extra length"))
        try r.skip(nameLength + extraLength, "name and extra field")
        return try r.slice(entry.compressedSize, "payload")
    }
}
