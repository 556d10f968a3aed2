import Foundation

/// Everything that can go wrong while reading or writing a tensor file (NPY, safetensors,
/// PyTorch `.pth`). Every case names the file, and where it applies the field or position inside
/// the file, so that the message alone says what to look at, e.g.
/// `model.pth: data.pkl opcode 0x95 at byte 1234: unsupported` or
/// `x.safetensors: header entry 'w' data_offsets: expected end ≤ 4096, got 5000`.
public enum TensorFileError: Error, LocalizedError, Equatable, Sendable {
    /// The file could not be opened or read (`reason` is the system's message).
    case unreadable(file: String, reason: String)
    /// The file could not be written.
    case unwritable(file: String, reason: String)
    /// The file ends before `field` is complete: `needed` bytes at byte `offset`, `available` left.
    case truncated(file: String, field: String, offset: Int, needed: Int, available: Int)
    /// `field` holds a value that the format does not allow.
    case malformed(file: String, field: String, expected: String, got: String)
    /// `field` uses a feature of the format that this reader does not implement.
    case unsupported(file: String, field: String, what: String)
    /// A pickle references a Python global that a data reader will not construct.
    case forbiddenGlobal(file: String, module: String, name: String, offset: Int)
    /// A required part (ZIP entry, tensor name, header key) is absent.
    case missing(file: String, field: String)
    /// The first bytes match none of the known formats.
    case unknownFormat(file: String, firstBytes: String)
    /// `field` declares an array that would take `bytes` decoded (nil: more than `Int.max`), above `limit`
    /// (`ReadLimits.maxDecodedBytes`).
    case tooLarge(file: String, field: String, bytes: Int?, limit: Int)

    /// The file the error is about.
    public var file: String {
        switch self {
        case .unreadable(let f, _), .unwritable(let f, _), .truncated(let f, _, _, _, _),
             .malformed(let f, _, _, _), .unsupported(let f, _, _), .forbiddenGlobal(let f, _, _, _),
             .missing(let f, _), .unknownFormat(let f, _), .tooLarge(let f, _, _, _):
            return f
        }
    }

    public var errorDescription: String? {
        switch self {
        case .unreadable(let f, let r): return "\(f): cannot read: \(r)"
        case .unwritable(let f, let r): return "\(f): cannot write: \(r)"
        case .truncated(let f, let field, let off, let needed, let available):
            return "\(f): \(field): file truncated: needed \(needed) bytes at byte \(off), \(available) available"
        case .malformed(let f, let field, let expected, let got):
            return "\(f): \(field): expected \(expected), got \(got)"
        case .unsupported(let f, let field, let what): return "\(f): \(field): unsupported: \(what)"
        case .forbiddenGlobal(let f, let m, let n, let off):
            return "\(f): data.pkl global '\(m).\(n)' at byte \(off): not a tensor or container; a data reader does not construct it"
        case .missing(let f, let field): return "\(f): \(field): missing"
        case .unknownFormat(let f, let head):
            return "\(f): not an NPY, safetensors or PyTorch zip file (first bytes \(head))"
        case .tooLarge(let f, let field, let bytes, let limit):
            return "\(f): \(field): expected at most \(ReadLimits.describe(limit)) decoded, got \(bytes.map { "\($0) bytes" } ?? "more than \(Int.max) bytes")"
        }
    }

}
