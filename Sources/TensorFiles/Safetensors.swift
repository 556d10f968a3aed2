import Foundation
import TensorCore

/// Hugging Face safetensors files.
///
/// Layout: `N` as u64 little-endian, `N` bytes of UTF-8 JSON
/// `{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ..., "__metadata__": {"k": "v"}}`
/// (padded with spaces), then the raw little-endian element bytes; offsets are relative to the
/// first data byte. The reader enforces the rules of the reference implementation: the header
/// fits in the file and is at most 100 MB, every entry's byte range equals `numel × size`, and the
/// ranges, sorted, tile the data section exactly (no gap, no overlap, nothing after the last).
public enum Safetensors {
    /// Largest accepted header (the reference implementation's limit), in bytes.
    public static let maximumHeaderLength = 100_000_000

    /// Reads a safetensors file.
    public static func read(_ url: URL) throws -> TensorArchive {
        try read(try TensorFiles.load(url), file: url.lastPathComponent)
    }

    /// The `__metadata__` of the safetensors file at `url`, reading only its header (not the tensors).
    public static func metadata(_ url: URL) throws -> [String: String] {
        let file = url.lastPathComponent
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw TensorFileError.unreadable(file: file, reason: "cannot open") }
        defer { try? handle.close() }
        do {
            let prefix = [UInt8](try handle.read(upToCount: 8) ?? Data())
            guard prefix.count == 8 else {
                throw TensorFileError.truncated(file: file, field: "header length", offset: 0, needed: 8, available: prefix.count)
            }
            let n = prefix.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            guard n <= UInt64(maximumHeaderLength) else {
                throw TensorFileError.malformed(file: file, field: "header length", expected: "at most \(maximumHeaderLength) bytes", got: "\(n)")
            }
            let header = try handle.read(upToCount: Int(n)) ?? Data()
            // The header alone, as a file whose tensors are absent: only the metadata is read from it.
            guard let json = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
                throw TensorFileError.malformed(file: file, field: "header", expected: "a JSON object", got: "\(header.count) other bytes")
            }
            var out: [String: String] = [:]
            for (k, v) in json["__metadata__"] as? [String: Any] ?? [:] { if let s = v as? String { out[k] = s } }
            return out
        } catch let e as TensorFileError {
            throw e
        } catch {
            throw TensorFileError.unreadable(file: file, reason: error.localizedDescription)
        }
    }

    /// Parses safetensors bytes; `file` names the source in errors. Tensors come back in the order
    /// of their data offsets (the order of the bytes in the file).
    public static func read(_ data: Data, file: String = "tensors.safetensors") throws -> TensorArchive {
        try data.withUnsafeBytes { buf in
            var r = ByteReader(buf, file: file, section: "header")
            let n64 = try r.u64("length")
            guard n64 <= UInt64(maximumHeaderLength) else {
                throw TensorFileError.malformed(file: file, field: "header length", expected: "at most \(maximumHeaderLength) bytes", got: "\(n64)")
            }
            let n = Int(n64)
            guard n <= r.remaining else {
                throw TensorFileError.truncated(file: file, field: "header", offset: 8, needed: n, available: r.remaining)
            }
            let headerBytes = try r.slice(n, "JSON")
            guard headerBytes.first == UInt8(ascii: "{") else {
                throw TensorFileError.malformed(file: file, field: "header", expected: "JSON starting with '{'",
                                                got: headerBytes.isEmpty ? "an empty header" : hexPreview(headerBytes))
            }
            let json: Any
            do {
                json = try JSONSerialization.jsonObject(with: Data(headerBytes), options: [])
            } catch {
                throw TensorFileError.malformed(file: file, field: "header", expected: "valid JSON", got: "a parse error (\(error.localizedDescription))")
            }
            guard let dict = json as? [String: Any] else {
                throw TensorFileError.malformed(file: file, field: "header", expected: "a JSON object", got: "\(type(of: json))")
            }
            let dataSection = UnsafeRawBufferPointer(rebasing: buf[(8 + n)...])
            var metadata: [String: String] = [:]
            struct Entry { let name: String; let dtype: DType; let shape: [Int]; let begin: Int; let end: Int }
            var entries: [Entry] = []
            for (name, value) in dict {
                if name == "__metadata__" {
                    guard let m = value as? [String: Any] else {
                        throw TensorFileError.malformed(file: file, field: "header __metadata__", expected: "an object of strings", got: "\(value)")
                    }
                    for (k, v) in m {
                        guard let s = v as? String else {
                            throw TensorFileError.malformed(file: file, field: "header __metadata__ '\(k)'", expected: "a string", got: "\(v)")
                        }
                        metadata[k] = s
                    }
                    continue
                }
                let field = "header entry '\(name)'"
                guard let e = value as? [String: Any] else {
                    throw TensorFileError.malformed(file: file, field: field, expected: "an object with dtype, shape, data_offsets", got: "\(value)")
                }
                guard let code = e["dtype"] as? String else {
                    throw TensorFileError.malformed(file: file, field: field + " dtype", expected: "a string", got: "\(e["dtype"] ?? "nothing")")
                }
                guard let dtype = dtypes[code] else {
                    throw TensorFileError.unsupported(file: file, field: field + " dtype",
                                                      what: "'\(code)' (supported: \(dtypes.keys.sorted().joined(separator: " ")))")
                }
                let shape = try integers(e["shape"], file: file, field: field + " shape")
                guard let count = ElementDecoding.checkedCount(shape) else {
                    throw TensorFileError.malformed(file: file, field: field + " shape", expected: "non-negative extents", got: "\(shape)")
                }
                try ElementDecoding.requireDecodable(count: count, file: file, field: field + " shape \(shape)")
                let offsets = try integers(e["data_offsets"], file: file, field: field + " data_offsets")
                guard offsets.count == 2, offsets[0] <= offsets[1] else {
                    throw TensorFileError.malformed(file: file, field: field + " data_offsets", expected: "[begin, end] with begin ≤ end", got: "\(offsets)")
                }
                guard offsets[1] <= dataSection.count else {
                    throw TensorFileError.malformed(file: file, field: field + " data_offsets",
                                                    expected: "end ≤ \(dataSection.count)", got: "\(offsets[1])")
                }
                let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
                guard !overflow, offsets[1] - offsets[0] == bytes else {
                    throw TensorFileError.malformed(file: file, field: field + " data_offsets",
                                                    expected: "\(overflow ? "a representable" : String(bytes)) bytes for shape \(shape) \(code)",
                                                    got: "\(offsets[1] - offsets[0]) bytes")
                }
                for k in e.keys where !["dtype", "shape", "data_offsets"].contains(k) {
                    throw TensorFileError.malformed(file: file, field: field, expected: "only dtype, shape, data_offsets", got: "key '\(k)'")
                }
                entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]))
            }
            entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
            var expectedBegin = 0
            for e in entries {
                guard e.begin == expectedBegin else {
                    throw TensorFileError.malformed(file: file, field: "header entry '\(e.name)' data_offsets",
                                                    expected: "begin = \(expectedBegin) (ranges must tile the data without gaps or overlaps)",
                                                    got: "\(e.begin)")
                }
                expectedBegin = e.end
            }
            guard expectedBegin == dataSection.count else {
                throw TensorFileError.malformed(file: file, field: "data section",
                                                expected: "\(expectedBegin) bytes (the end of the last tensor)", got: "\(dataSection.count) bytes")
            }
            let tensors = entries.map { e in
                NamedTensor(name: e.name, storedDType: e.dtype,
                            tensor: ElementDecoding.tensor(shape: e.shape, dtype: e.dtype,
                                                           source: dataSection.baseAddress! + e.begin, littleEndian: true))
            }
            return TensorArchive(format: .safetensors, tensors: tensors, metadata: metadata)
        }
    }

    /// Safetensors dtype codes.
    static let dtypes: [String: DType] = [
        "BOOL": .bool, "U8": .uint8, "I8": .int8, "I16": .int16, "U16": .uint16, "F16": .float16, "BF16": .bfloat16,
        "I32": .int32, "U32": .uint32, "F32": .float32, "F64": .float64, "I64": .int64, "U64": .uint64,
    ]

    static func code(_ dtype: DType) -> String { dtypes.first { $0.value == dtype }!.key }

    /// Position of a dtype in the reference implementation's `Dtype` enum; its writer sorts tensors
    /// by this rank (descending), then by name, and so does `encode`.
    static func rank(_ dtype: DType) -> Int {
        switch dtype {
        case .bool: return 0
        case .uint8: return 1
        case .int8: return 2
        case .int16: return 3
        case .uint16: return 4
        case .float16: return 5
        case .bfloat16: return 6
        case .int32: return 7
        case .uint32: return 8
        case .float32: return 9
        case .float64: return 10
        case .int64: return 11
        case .uint64: return 12
        }
    }

    static func integers(_ value: Any?, file: String, field: String) throws -> [Int] {
        guard let array = value as? [Any] else {
            throw TensorFileError.malformed(file: file, field: field, expected: "an array of integers", got: "\(value ?? "nothing")")
        }
        return try array.map { item in
            // JSON integers only: 2.0 and 2e0 are rejected, as the reference parser does
            // (on Linux `is Bool` holds for every NSNumber, so JSON true/false are told apart by class)
            guard let num = item as? NSNumber, !String(describing: type(of: item)).contains("Boolean"),
                  "\(num)" == String(num.int64Value),
                  num.int64Value >= 0, let i = Int(exactly: num.int64Value) else {
                throw TensorFileError.malformed(file: file, field: field, expected: "non-negative integers", got: "\(array)")
            }
            return i
        }
    }

    /// The bytes of a safetensors file holding `tensors`, each stored as its `storedDType` (which
    /// must be one with a safetensors code, i.e. anything but none), with `metadata`.
    ///
    /// The output is deterministic and matches the reference writer: entries sorted by dtype rank
    /// (descending) then name (bytewise), `__metadata__` first with sorted keys, compact JSON, the
    /// header padded with spaces to a multiple of 8 bytes.
    /// - Throws: `TensorFileError.malformed` for repeated names.
    public static func encode(_ tensors: [NamedTensor], metadata: [String: String] = [:]) throws -> Data {
        var seen = Set<String>()
        for t in tensors where !seen.insert(t.name).inserted {
            throw TensorFileError.malformed(file: "tensors.safetensors", field: "tensor names", expected: "unique names", got: "'\(t.name)' twice")
        }
        let sorted = tensors.sorted { a, b in
            let ra = rank(a.storedDType), rb = rank(b.storedDType)
            if ra != rb { return ra > rb }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
        var json = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            parts.append("\"__metadata__\":{" + keys.map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }.joined(separator: ",") + "}")
        }
        var offset = 0
        for t in sorted {
            let bytes = t.tensor.count * t.storedDType.byteSize
            parts.append("\(jsonString(t.name)):{\"dtype\":\"\(code(t.storedDType))\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        json += parts.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = Data(capacity: 8 + header.count + offset)
        out.append(contentsOf: (0..<8).map { UInt8((UInt64(header.count) >> (8 * UInt64($0))) & 0xFF) })
        out.append(contentsOf: header)
        let dataStart = out.count
        out.append(Data(count: offset))
        out.withUnsafeMutableBytes { dst in
            var at = dataStart
            for t in sorted {
                t.tensor.withUnsafeBufferPointer { src in
                    if src.count > 0 {
                        t.storedDType.encode(src.baseAddress!, count: src.count, littleEndian: true, into: dst.baseAddress! + at)
                    }
                }
                at += t.tensor.count * t.storedDType.byteSize
            }
        }
        return out
    }

    /// Writes `tensors` (each as its `storedDType`) and `metadata` to `url` atomically; `durable` flushes it to the
    /// disk too (`AtomicFile`).
    public static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], to url: URL, durable: Bool = false) throws {
        let data: Data
        do { data = try encode(tensors, metadata: metadata) } catch let e as TensorFileError {
            if case .malformed(_, let f, let x, let g) = e { throw TensorFileError.malformed(file: url.lastPathComponent, field: f, expected: x, got: g) }
            throw e
        }
        try TensorFiles.writeAtomically(data, to: url, durable: durable)
    }

    /// `s` as a JSON string literal, escaped as serde_json does.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
