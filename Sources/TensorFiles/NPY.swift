import Foundation
import TensorCore

/// NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Layout: magic `\x93NUMPY`, major and minor version bytes, header length (u16 LE in 1.0, u32 LE
/// in 2.0 and 3.0), an ASCII (3.0: UTF-8) Python dict literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces and ended by
/// `\n`, then the raw elements. Reading converts any supported dtype to a row-major `Float32`
/// tensor (Fortran-order arrays are transposed into row-major) and remembers the stored dtype.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// The parsed header of an `.npy` file.
    public struct Header: Equatable, Sendable {
        public var dtype: DType
        /// Byte order of the elements (`true` for `<` and for one-byte types).
        public var littleEndian: Bool
        public var fortranOrder: Bool
        public var shape: [Int]
        /// `"1.0"`, `"2.0"` or `"3.0"`.
        public var version: String
        /// Offset of the first element (bytes from the start of the file).
        public var dataOffset: Int
    }

    /// Reads an `.npy` file; the tensor is named after the file stem.
    public static func read(_ url: URL) throws -> TensorArchive {
        let data = try TensorFiles.load(url)
        return try read(data, file: url.lastPathComponent, name: url.deletingPathExtension().lastPathComponent)
    }

    /// Parses `.npy` bytes. `file` names the source in errors; `name` becomes the tensor's name.
    public static func read(_ data: Data, file: String = "array.npy", name: String = "array") throws -> TensorArchive {
        try data.withUnsafeBytes { buf in
            let header = try parseHeader(buf, file: file)
            let count = ElementDecoding.checkedCount(header.shape)!
            try ElementDecoding.requireDecodable(count: count, file: file, field: "header 'shape' \(header.shape)")
            let (byteCount, overflow) = count.multipliedReportingOverflow(by: header.dtype.byteSize)
            let available = buf.count - header.dataOffset
            if overflow || byteCount > available {
                throw TensorFileError.truncated(file: file, field: "data of shape \(header.shape) \(header.dtype)",
                                                offset: header.dataOffset, needed: overflow ? Int.max : byteCount,
                                                available: available)
            }
            if byteCount < available {
                throw TensorFileError.malformed(file: file, field: "data", expected: "\(byteCount) bytes for shape \(header.shape) \(header.dtype)",
                                                got: "\(available) bytes")
            }
            let src = buf.baseAddress! + header.dataOffset
            let tensor: Tensor
            if header.fortranOrder && header.shape.count > 1 {
                // Column-major data of shape S is row-major data of reversed S; gather it with
                // column-major strides into row-major order.
                let flat = ElementDecoding.tensor(shape: [count], dtype: header.dtype, source: src, littleEndian: header.littleEndian)
                var strides = [Int](repeating: 1, count: header.shape.count)
                for d in 1..<header.shape.count { strides[d] = strides[d - 1] * header.shape[d - 1] }
                tensor = flat.withUnsafeBufferPointer {
                    ElementDecoding.gather(shape: header.shape, strides: strides, offset: 0, from: $0)
                }
            } else {
                tensor = ElementDecoding.tensor(shape: header.shape, dtype: header.dtype, source: src, littleEndian: header.littleEndian)
            }
            return TensorArchive(format: .npy,
                                 tensors: [NamedTensor(name: name, storedDType: header.dtype, tensor: tensor)],
                                 metadata: ["npy.version": header.version,
                                            "npy.descr": descr(header.dtype, littleEndian: header.littleEndian) ?? "",
                                            "npy.fortran_order": header.fortranOrder ? "True" : "False"])
        }
    }

    /// Parses and validates the magic, version and header dict.
    public static func parseHeader(_ buf: UnsafeRawBufferPointer, file: String) throws -> Header {
        var r = ByteReader(buf, file: file, section: "header")
        let m = try r.slice(6, "magic")
        guard m.elementsEqual(magic) else {
            throw TensorFileError.malformed(file: file, field: "magic", expected: "93 4e 55 4d 50 59 (\\x93NUMPY)", got: hexPreview(m))
        }
        let major = try r.u8("major version"), minor = try r.u8("minor version")
        let length: Int
        switch (major, minor) {
        case (1, 0): length = Int(try r.u16("length"))
        case (2, 0), (3, 0): length = Int(try r.u32("length"))
        default:
            throw TensorFileError.unsupported(file: file, field: "header version", what: "\(major).\(minor) (known: 1.0, 2.0, 3.0)")
        }
        let text = try r.slice(length, "dict")
        let string: String
        if major == 3 {
            guard let s = String(validating: text, as: UTF8.self) else {
                throw TensorFileError.malformed(file: file, field: "header", expected: "UTF-8 text", got: "invalid bytes")
            }
            string = s
        } else {
            guard text.allSatisfy({ $0 < 0x80 }) else {
                throw TensorFileError.malformed(file: file, field: "header", expected: "ASCII text (version \(major).0)", got: "non-ASCII bytes")
            }
            string = String(decoding: text, as: UTF8.self)
        }
        guard string.hasSuffix("\n") else {
            throw TensorFileError.malformed(file: file, field: "header", expected: "text ending in a newline", got: String(reflecting: String(string.suffix(8))))
        }
        var p = DictLiteralParser(text: Array(string.utf8.dropLast()), file: file)
        let dict = try p.parse()
        for key in dict.keys where !["descr", "fortran_order", "shape"].contains(key) {
            throw TensorFileError.malformed(file: file, field: "header key '\(key)'", expected: "only descr, fortran_order, shape", got: "'\(key)'")
        }
        guard case .string(let descr)? = dict["descr"] else {
            throw TensorFileError.malformed(file: file, field: "header 'descr'", expected: "a dtype string such as '<f4'",
                                            got: dict["descr"].map { "\($0)" } ?? "nothing")
        }
        guard case .bool(let fortran)? = dict["fortran_order"] else {
            throw TensorFileError.malformed(file: file, field: "header 'fortran_order'", expected: "True or False",
                                            got: dict["fortran_order"].map { "\($0)" } ?? "nothing")
        }
        guard case .tuple(let shape)? = dict["shape"] else {
            throw TensorFileError.malformed(file: file, field: "header 'shape'", expected: "a tuple of integers",
                                            got: dict["shape"].map { "\($0)" } ?? "nothing")
        }
        guard ElementDecoding.checkedCount(shape) != nil else {
            throw TensorFileError.malformed(file: file, field: "header 'shape'", expected: "non-negative extents with a representable product", got: "\(shape)")
        }
        let (dtype, little) = try parseDescr(descr, file: file)
        return Header(dtype: dtype, littleEndian: little, fortranOrder: fortran, shape: shape,
                      version: "\(major).\(minor)", dataOffset: r.offset)
    }

    /// `'<f4'` → (.float32, little-endian). Byte order `|` is only valid for one-byte types.
    static func parseDescr(_ descr: String, file: String) throws -> (DType, Bool) {
        let chars = Array(descr)
        guard chars.count >= 3, "<>|".contains(chars[0]) else {
            throw TensorFileError.unsupported(file: file, field: "header 'descr'", what: "'\(descr)' (expected a byte order <, > or | and a simple dtype)")
        }
        let code = String(chars[1...])
        guard let dtype = codes.first(where: { $0.code == code })?.dtype else {
            throw TensorFileError.unsupported(file: file, field: "header 'descr'",
                                              what: "dtype '\(descr)' (supported: \(codes.map(\.code).joined(separator: " ")))")
        }
        if chars[0] == "|" && dtype.byteSize > 1 {
            throw TensorFileError.malformed(file: file, field: "header 'descr'", expected: "byte order < or > for a \(dtype.byteSize)-byte type", got: "'\(descr)'")
        }
        return (dtype, chars[0] != ">")
    }

    /// NumPy type codes (without byte order) of the supported dtypes; NumPy has no bfloat16.
    static let codes: [(code: String, dtype: DType)] = [
        ("b1", .bool), ("i1", .int8), ("u1", .uint8), ("i2", .int16), ("u2", .uint16), ("i4", .int32), ("u4", .uint32),
        ("i8", .int64), ("u8", .uint64), ("f2", .float16), ("f4", .float32), ("f8", .float64),
    ]

    /// The NumPy dtype string of `dtype` (`|` for one-byte types), or nil for bfloat16.
    static func descr(_ dtype: DType, littleEndian: Bool) -> String? {
        guard let code = codes.first(where: { $0.dtype == dtype })?.code else { return nil }
        return (dtype.byteSize == 1 ? "|" : (littleEndian ? "<" : ">")) + code
    }

    /// The bytes of an `.npy` file holding `tensor` as `dtype` (little-endian, C order), with a
    /// version 1.0 header (2.0 if the header would exceed 65,535 bytes) padded to 64 bytes, as
    /// `numpy.save` writes it.
    /// - Throws: `TensorFileError.unsupported` for `.bfloat16` (NumPy has no such dtype).
    public static func encode(_ tensor: Tensor, as dtype: DType = .float32) throws -> Data {
        guard let typeString = descr(dtype, littleEndian: true) else {
            throw TensorFileError.unsupported(file: "array.npy", field: "dtype", what: "\(dtype) has no NumPy dtype")
        }
        let shapeText: String
        switch tensor.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(tensor.shape[0]),)"
        default: shapeText = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '\(typeString)', 'fortran_order': False, 'shape': \(shapeText), }"
        var version: UInt8 = 1
        var prefix = 10
        if (prefix + dict.utf8.count + 1 + 63) / 64 * 64 - prefix > 65535 { version = 2; prefix = 12 }
        let total = (prefix + dict.utf8.count + 1 + 63) / 64 * 64
        dict += String(repeating: " ", count: total - prefix - dict.utf8.count - 1) + "\n"
        var out = Data(magic)
        out.append(contentsOf: [version, 0])
        let len = total - prefix
        if version == 1 {
            out.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8)])
        } else {
            out.append(contentsOf: (0..<4).map { UInt8((len >> (8 * $0)) & 0xFF) })
        }
        out.append(contentsOf: Array(dict.utf8))
        let bodyStart = out.count
        out.append(Data(count: tensor.count * dtype.byteSize))
        out.withUnsafeMutableBytes { dst in
            tensor.withUnsafeBufferPointer { src in
                if src.count > 0 {
                    dtype.encode(src.baseAddress!, count: src.count, littleEndian: true, into: dst.baseAddress! + bodyStart)
                }
            }
        }
        return out
    }

    /// Writes `tensor` to `url` as an `.npy` file (atomically).
    public static func write(_ tensor: Tensor, as dtype: DType = .float32, to url: URL) throws {
        let data: Data
        do { data = try encode(tensor, as: dtype) } catch let e as TensorFileError {
            if case .unsupported(_, let f, let w) = e { throw TensorFileError.unsupported(file: url.lastPathComponent, field: f, what: w) }
            throw e
        }
        try TensorFiles.writeAtomically(data, to: url)
    }
}

/// A strict parser for the Python dict literal of an NPY header: string keys in single or double
/// quotes; values are strings, `True`/`False`, integers, or tuples of integers; optional trailing
/// commas; whitespace between tokens. Anything else is a typed error.
struct DictLiteralParser {
    enum Value: Equatable, CustomStringConvertible {
        case string(String), bool(Bool), int(Int), tuple([Int])
        var description: String {
            switch self {
            case .string(let s): return "'\(s)'"
            case .bool(let b): return b ? "True" : "False"
            case .int(let i): return String(i)
            case .tuple(let t): return "(" + t.map(String.init).joined(separator: ", ") + (t.count == 1 ? ",)" : ")")
            }
        }
    }

    let text: [UInt8]
    let file: String
    var i = 0

    init(text: [UInt8], file: String) {
        self.text = text
        self.file = file
    }

    func fail(_ expected: String) -> TensorFileError {
        let got = i < text.count ? "'" + String(decoding: text[i..<min(text.count, i + 12)], as: UTF8.self) + "'" : "end of header"
        return .malformed(file: file, field: "header dict at character \(i)", expected: expected, got: got)
    }

    mutating func skipSpace() { while i < text.count, text[i] == 0x20 || text[i] == 0x09 { i += 1 } }

    mutating func expect(_ c: UInt8) throws {
        skipSpace()
        guard i < text.count, text[i] == c else { throw fail("'\(Character(Unicode.Scalar(c)))'") }
        i += 1
    }

    mutating func peek() -> UInt8? { skipSpace(); return i < text.count ? text[i] : nil }

    mutating func parse() throws -> [String: Value] {
        try expect(UInt8(ascii: "{"))
        var out: [String: Value] = [:]
        while true {
            if peek() == UInt8(ascii: "}") { i += 1; break }
            let key = try string()
            if out[key] != nil { throw fail("no repeated key '\(key)'") }
            try expect(UInt8(ascii: ":"))
            out[key] = try value()
            if peek() == UInt8(ascii: ",") { i += 1; continue }
            try expect(UInt8(ascii: "}"))
            break
        }
        skipSpace()
        guard i == text.count else { throw fail("end of header after '}'") }
        return out
    }

    mutating func string() throws -> String {
        guard let q = peek(), q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") else { throw fail("a quoted string") }
        i += 1
        let start = i
        while i < text.count, text[i] != q {
            if text[i] == UInt8(ascii: "\\") { throw fail("a string without escapes") }
            i += 1
        }
        guard i < text.count else { throw fail("a closing quote") }
        defer { i += 1 }
        return String(decoding: text[start..<i], as: UTF8.self)
    }

    mutating func integer() throws -> Int {
        skipSpace()
        let start = i
        while i < text.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[i]) { i += 1 }
        if i < text.count, text[i] == UInt8(ascii: "L") { i += 1 }  // Python 2 long suffix
        let digits = String(decoding: text[start..<i], as: UTF8.self).filter { $0 != "L" }
        guard !digits.isEmpty, let v = Int(digits) else { i = start; throw fail("a non-negative integer") }
        return v
    }

    mutating func value() throws -> Value {
        guard let c = peek() else { throw fail("a value") }
        switch c {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "T"), UInt8(ascii: "F"):
            for (word, v) in [("True", true), ("False", false)] where text[i...].starts(with: word.utf8) {
                i += word.utf8.count
                return .bool(v)
            }
            throw fail("True or False")
        case UInt8(ascii: "("):
            i += 1
            var items: [Int] = []
            var trailingComma = false
            while true {
                if peek() == UInt8(ascii: ")") { i += 1; break }
                items.append(try integer())
                trailingComma = false
                if peek() == UInt8(ascii: ",") { i += 1; trailingComma = true; continue }
                try expect(UInt8(ascii: ")"))
                break
            }
            // Python: (3) is the integer 3, not a tuple; NumPy writes (3,)
            if items.count == 1 && !trailingComma { throw fail("a tuple; (n) without a comma is not one") }
            return .tuple(items)
        default: return .int(try integer())
        }
    }
}
