import TensorFiles

/// ImageIO's cursor over a whole file held in memory: TensorFiles' `ByteCursor` whose truncations are
/// `ImageIOError.truncatedAt` naming the file, the field and the byte offset in the file.
typealias FileByteCursor = ByteCursor<[UInt8]>

extension ByteCursor where Bytes == [UInt8] {
    init(_ bytes: [UInt8], file: String, offset: Int = 0, littleEndian: Bool = true) {
        self.init(bytes, file: file, offset: offset, littleEndian: littleEndian) { t in
            ImageIOError.truncatedAt(file: t.file, field: t.field, offset: t.offset, needed: t.needed,
                                     available: t.available)
        }
    }
}
