import Foundation
import TensorCore

/// A storage named by a `.pth` persistent id `('storage', torch.FloatStorage, key, location, numel)`:
/// the raw little- or big-endian elements in ZIP entry `<prefix>/data/<key>`.
final class TorchStorageRef {
    let key: String
    let dtype: DType
    /// Number of elements of the storage.
    let count: Int
    /// The entry's bytes (at least `count * dtype.byteSize`).
    let bytes: UnsafeRawBufferPointer

    init(key: String, dtype: DType, count: Int, bytes: UnsafeRawBufferPointer) {
        self.key = key
        self.dtype = dtype
        self.count = count
        self.bytes = bytes
    }
}

/// A tensor view of a storage, as `torch._utils._rebuild_tensor_v2` describes it: element
/// `i` (a multi-index) is `storage[offset + Σ i_d * stride_d]`. Validated on construction, so
/// decoding never reads outside the storage.
final class TorchTensorRef {
    let storage: TorchStorageRef
    /// Storage offset, in elements.
    let offset: Int
    let shape: [Int]
    /// Strides, in elements.
    let strides: [Int]

    init(storage: TorchStorageRef, offset: Int, shape: [Int], strides: [Int]) {
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.strides = strides
    }

    /// The values as a row-major `Float32` tensor (non-contiguous views are gathered).
    func decode(littleEndian: Bool) -> Tensor {
        let itemSize = storage.dtype.byteSize
        let n = shape.reduce(1, *)
        if n == 0 { return Tensor(shape: shape) }
        let rowMajor = Tensor.strides(of: shape)
        let contiguous = zip(zip(shape, strides), rowMajor).allSatisfy { $0.0.0 == 1 || $0.0.1 == $0.1 }
        let start = storage.bytes.baseAddress! + offset * itemSize
        if contiguous {
            return ElementDecoding.tensor(shape: shape, dtype: storage.dtype, source: start, littleEndian: littleEndian)
        }
        // decode the span of the storage that the view touches, then gather from it
        let span = 1 + zip(shape, strides).reduce(0) { $0 + ($1.0 - 1) * $1.1 }
        let flat = ElementDecoding.tensor(shape: [span], dtype: storage.dtype, source: start, littleEndian: littleEndian)
        return flat.withUnsafeBufferPointer { ElementDecoding.gather(shape: shape, strides: strides, offset: 0, from: $0) }
    }
}

/// Reader of PyTorch checkpoints in the ZIP format of `torch.save` (PyTorch ≥ 1.6): a ZIP of
/// stored entries `<prefix>/data.pkl`, `<prefix>/data/<key>`, `<prefix>/version`,
/// `<prefix>/byteorder`. The pickle is run by a data-only machine that knows tensors
/// (`_rebuild_tensor_v2`, `_rebuild_tensor`, `_rebuild_parameter`), `OrderedDict` and plain data;
/// any other Python global is a `TensorFileError.forbiddenGlobal`.
///
/// The object is flattened to dotted names: a state dict gives its keys; a checkpoint
/// `{'model': state_dict, 'epoch': 3}` gives `model.<key>` tensors and metadata `epoch` = `"3"`
/// (use `TensorArchive.subtree("model")` to get the state dict). List items are named by index.
/// Non-tensor scalars (int, float, bool, string, None) become metadata; other objects are skipped.
public enum TorchCheckpoint {
    /// Deepest nesting of dicts, lists and tuples that is flattened.
    public static let maximumDepth = 64
    /// Most elements of a view that has more elements than its storage (stride-0 broadcast).
    public static let maximumBroadcastCount = 1 << 26

    static let storageTypes: [String: DType] = [
        "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16, "DoubleStorage": .float64,
        "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16, "CharStorage": .int8,
        "ByteStorage": .uint8, "BoolStorage": .bool,
    ]
    static let rebuilders: Set<String> = ["_rebuild_tensor_v2", "_rebuild_tensor", "_rebuild_parameter", "_rebuild_parameter_with_state"]

    /// Reads a `.pth` file.
    public static func read(_ url: URL) throws -> TensorArchive {
        try read(try TensorFiles.load(url), file: url.lastPathComponent)
    }

    /// Parses `.pth` bytes; `file` names the source in errors.
    public static func read(_ data: Data, file: String = "checkpoint.pth") throws -> TensorArchive {
        try data.withUnsafeBytes { buf in
            let zip = try ZipDirectory(buf, file: file)
            guard let pkl = zip.entries.first(where: { $0.name == "data.pkl" || $0.name.hasSuffix("/data.pkl") }) else {
                throw TensorFileError.missing(file: file, field: "ZIP entry '<prefix>/data.pkl' (not a torch.save zip checkpoint)")
            }
            let prefix = String(pkl.name.dropLast("data.pkl".count))
            var metadata: [String: String] = [:]
            var littleEndian = true
            if let e = zip.entry(named: prefix + "byteorder") {
                let text = String(decoding: try zip.payload(e), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard text == "little" || text == "big" else {
                    throw TensorFileError.malformed(file: file, field: "ZIP entry '\(e.name)'", expected: "little or big", got: String(reflecting: String(text.prefix(16))))
                }
                littleEndian = text == "little"
                metadata["pytorch.byteorder"] = text
            }
            if let e = zip.entry(named: prefix + "version") {
                metadata["pytorch.version"] = String(decoding: try zip.payload(e).prefix(32), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            var storages: [String: TorchStorageRef] = [:]
            let hooks = PickleMachine.Hooks(
                allowGlobal: { module, name in
                    (module == "collections" && name == "OrderedDict")
                        || (module == "torch._utils" && rebuilders.contains(name))
                        || (module == "torch" && storageTypes[name] != nil)
                },
                persistentLoad: { pid, offset in
                    try loadStorage(pid, offset: offset, zip: zip, prefix: prefix, cache: &storages)
                },
                reduce: { callable, args, offset in
                    try reduce(callable, args, offset: offset, file: file)
                })
            let root = try PickleMachine(file: file, section: "data.pkl").run(try zip.payload(pkl), hooks: hooks)
            var tensors: [NamedTensor] = []
            // a tree visits each value once; shared sub-objects are visited again, so bound the walk
            var budget = 2 * pkl.uncompressedSize + 1000
            try flatten(root, name: "", depth: 0, file: file, littleEndian: littleEndian, budget: &budget,
                        tensors: &tensors, metadata: &metadata)
            return TensorArchive(format: .pytorch, tensors: tensors, metadata: metadata)
        }
    }

    /// Resolves `('storage', torch.XStorage, key, location, numel)` to the bytes of `<prefix>/data/<key>`.
    static func loadStorage(_ pid: PickleValue, offset: Int, zip: ZipDirectory, prefix: String,
                            cache: inout [String: TorchStorageRef]) throws -> PickleValue {
        let field = "data.pkl persistent id at byte \(offset)"
        guard case .tuple(let t, _) = pid, t.count == 5, case .string("storage") = t[0],
              case .global(let module, let cls) = t[1], case .string(let key) = t[2], case .int(let numel) = t[4],
              numel >= 0 else {
            throw TensorFileError.malformed(file: zip.file, field: field, expected: "('storage', torch.<Type>Storage, key, location, numel)", got: "\(pid)")
        }
        guard module == "torch", let dtype = storageTypes[cls] else {
            throw TensorFileError.unsupported(file: zip.file, field: field, what: "storage type \(module).\(cls)")
        }
        if let s = cache[key] {
            guard s.dtype == dtype, s.count == numel else {
                throw TensorFileError.malformed(file: zip.file, field: field, expected: "storage '\(key)' as \(s.dtype) × \(s.count) as before",
                                                got: "\(dtype) × \(numel)")
            }
            return .storage(s)
        }
        guard let entry = zip.entry(named: prefix + "data/" + key) else {
            throw TensorFileError.missing(file: zip.file, field: "ZIP entry '\(prefix)data/\(key)' (storage of the persistent id at byte \(offset) of data.pkl)")
        }
        let bytes = try zip.payload(entry)
        let (needed, overflow) = numel.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, bytes.count >= needed else {
            throw TensorFileError.malformed(file: zip.file, field: "ZIP entry '\(entry.name)'",
                                            expected: "\(overflow ? "a representable number of" : String(needed)) bytes for \(numel) \(dtype) elements",
                                            got: "\(bytes.count) bytes")
        }
        let s = TorchStorageRef(key: key, dtype: dtype, count: numel, bytes: bytes)
        cache[key] = s
        return .storage(s)
    }

    /// The allowed callables: `OrderedDict()`, the tensor rebuilders and `_rebuild_parameter`.
    static func reduce(_ callable: PickleValue, _ args: [PickleValue], offset: Int, file: String) throws -> PickleValue {
        let field = "data.pkl REDUCE at byte \(offset)"
        guard case .global(let module, let name) = callable else {
            throw TensorFileError.unsupported(file: file, field: field, what: "calling a \(kind(callable)), not a known global")
        }
        switch (module, name) {
        case ("collections", "OrderedDict"):
            guard args.isEmpty else { throw TensorFileError.unsupported(file: file, field: field, what: "OrderedDict with \(args.count) arguments") }
            return .dict(PickleDict())
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            guard args.count >= 4, case .storage(let storage) = args[0], case .int(let off) = args[1],
                  let shape = ints(args[2]), let strides = ints(args[3]), shape.count == strides.count else {
                throw TensorFileError.malformed(file: file, field: field + " (\(name))",
                                                expected: "(storage, offset, size tuple, stride tuple, ...)", got: args.map(kind).joined(separator: ", "))
            }
            guard off >= 0, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }),
                  let count = ElementDecoding.checkedCount(shape) else {
                throw TensorFileError.malformed(file: file, field: field + " (\(name))",
                                                expected: "non-negative offset, sizes and strides", got: "offset \(off), size \(shape), stride \(strides)")
            }
            try ElementDecoding.requireDecodable(count: count, file: file, field: field + " (tensor of size \(shape))")
            if count > storage.count && count > maximumBroadcastCount {
                throw TensorFileError.unsupported(file: file, field: field + " (tensor on storage '\(storage.key)')",
                                                  what: "a broadcast view of \(count) elements over a storage of \(storage.count)")
            }
            if count > 0 {
                var last = off
                for (n, s) in zip(shape, strides) {
                    let (step, o1) = (n - 1).multipliedReportingOverflow(by: s)
                    let (sum, o2) = last.addingReportingOverflow(step)
                    guard !o1, !o2 else { last = Int.max; break }
                    last = sum
                }
                guard last < storage.count else {
                    throw TensorFileError.malformed(file: file, field: field + " (tensor on storage '\(storage.key)')",
                                                    expected: "elements within the storage's \(storage.count)",
                                                    got: "offset \(off), size \(shape), stride \(strides) reaching element \(last)")
                }
            }
            return .tensor(TorchTensorRef(storage: storage, offset: off, shape: shape, strides: strides))
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            guard let first = args.first, case .tensor = first else {
                throw TensorFileError.malformed(file: file, field: field + " (\(name))", expected: "a tensor as first argument",
                                                got: args.first.map(kind) ?? "no arguments")
            }
            return first
        default:
            throw TensorFileError.unsupported(file: file, field: field, what: "calling \(module).\(name)")
        }
    }

    static func ints(_ v: PickleValue) -> [Int]? {
        guard case .tuple(let items, _) = v else { return nil }
        var out: [Int] = []
        for i in items {
            guard case .int(let x) = i else { return nil }
            out.append(x)
        }
        return out
    }

    static func kind(_ v: PickleValue) -> String {
        switch v {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let m, let n): return "\(m).\(n)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }

    /// Appends the tensors under `value` (named `name`, dotted) in pickle order; scalars go to `metadata`.
    static func flatten(_ value: PickleValue, name: String, depth: Int, file: String, littleEndian: Bool, budget: inout Int,
                        tensors: inout [NamedTensor], metadata: inout [String: String]) throws {
        budget -= 1
        guard budget >= 0 else {
            throw TensorFileError.unsupported(file: file, field: "data.pkl object '\(name)'",
                                              what: "an object graph that shares sub-objects so often that naming its leaves does not end")
        }
        func child(_ key: String) -> String { name.isEmpty ? key : name + "." + key }
        func descend(_ v: PickleValue, _ key: String) throws {
            guard depth < maximumDepth else {
                throw TensorFileError.unsupported(file: file, field: "data.pkl object '\(name)'", what: "nesting deeper than \(maximumDepth) levels")
            }
            try flatten(v, name: child(key), depth: depth + 1, file: file, littleEndian: littleEndian, budget: &budget,
                        tensors: &tensors, metadata: &metadata)
        }
        switch value {
        case .tensor(let t):
            tensors.append(NamedTensor(name: name.isEmpty ? "tensor" : name, storedDType: t.storage.dtype, tensor: t.decode(littleEndian: littleEndian)))
        case .dict(let d):
            for (k, v) in zip(d.keys, d.values) {
                let key: String
                switch k {
                case .string(let s): key = s
                case .int(let i): key = String(i)
                case .bool(let b): key = b ? "True" : "False"
                default: key = "<\(kind(k))>"
                }
                try descend(v, key)
            }
        case .list(let l): for (i, v) in l.items.enumerated() { try descend(v, String(i)) }
        case .tuple(let items, _): for (i, v) in items.enumerated() { try descend(v, String(i)) }
        case .none: metadata[name] = "None"
        case .bool(let b): metadata[name] = b ? "True" : "False"
        case .int(let i): metadata[name] = String(i)
        case .float(let x): metadata[name] = String(x)
        case .string(let s): metadata[name] = s
        case .bigInt, .bytes, .global, .storage: break
        }
    }
}
