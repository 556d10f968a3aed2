/// A mutable Python list (or set) built by a pickle; a reference type because the pickle memo and
/// the stack share it while `APPEND`s fill it.
final class PickleList {
    var items: [PickleValue] = []
    /// 1 + the deepest item's nesting depth.
    var depth = 1
    /// Set once the list is inside another container; it may not grow after that.
    var sealed = false
}

/// A mutable Python dict built by a pickle, keeping insertion order (an `OrderedDict` and a plain
/// dict pickle alike). A repeated key replaces the value in place, as in Python.
final class PickleDict {
    private(set) var keys: [PickleValue] = []
    private(set) var values: [PickleValue] = []
    private var stringIndex: [String: Int] = [:]
    /// 1 + the deepest key's or value's nesting depth.
    var depth = 1
    /// Set once the dict is inside another container; it may not grow after that.
    var sealed = false

    func set(_ key: PickleValue, _ value: PickleValue) {
        if case .string(let s) = key {
            if let i = stringIndex[s] { values[i] = value; return }
            stringIndex[s] = keys.count
        }
        keys.append(key)
        values.append(value)
    }
}

/// The values a data-only pickle machine produces. Tensors and storages are produced by the
/// caller's hooks (`PickleMachine.Hooks`); everything else is plain data.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for `Int` (only its size is kept).
    case bigInt(byteCount: Int)
    case float(Double)
    case string(String)
    /// A `bytes` object (only its length is kept; no tensor data lives in pickled bytes here).
    case bytes(count: Int)
    /// A tuple and its nesting depth (1 + the deepest item's).
    case tuple([PickleValue], depth: Int)
    case list(PickleList)
    case dict(PickleDict)
    /// A reference to a Python global that the hooks allowed, e.g. `torch.FloatStorage`.
    case global(module: String, name: String)
    /// A storage returned by the persistent-load hook.
    case storage(TorchStorageRef)
    /// A tensor returned by the reduce hook.
    case tensor(TorchTensorRef)
}

/// A pickle virtual machine for the opcodes that `torch.save` and ordinary data pickles use
/// (protocols 2 to 5, binary opcodes only). It never imports or calls Python code: `GLOBAL` names
/// are checked against `Hooks.allowGlobal`, `REDUCE`/`NEWOBJ` go to `Hooks.reduce`, persistent
/// ids to `Hooks.persistentLoad`. Every read is bounds-checked and the stack and memo are limited,
/// so a corrupt pickle ends in a `TensorFileError` naming the opcode and its byte offset.
struct PickleMachine {
    struct Hooks {
        /// Whether `module.name` may be referenced.
        var allowGlobal: (_ module: String, _ name: String) -> Bool
        /// The object for a `BINPERSID` persistent id.
        var persistentLoad: (_ pid: PickleValue, _ offset: Int) throws -> PickleValue
        /// The result of calling `callable(*args)` (REDUCE) or `callable.__new__(callable, *args)` (NEWOBJ).
        var reduce: (_ callable: PickleValue, _ args: [PickleValue], _ offset: Int) throws -> PickleValue
    }

    /// Most values on the stack, and most memo entries, that a pickle may create.
    static let maximumStack = 10_000_000
    static let maximumMemo = 10_000_000
    /// Deepest nesting of tuples, lists and dicts. Containers are sealed when they are put inside
    /// another one, so depths are exact and a cyclic or ever-deepening object is an error, not a
    /// stack overflow when the values are freed.
    static let maximumDepth = 200

    let file: String
    let section: String

    /// Runs the pickle in `bytes` to its `STOP` and returns the resulting object.
    func run(_ bytes: UnsafeRawBufferPointer, hooks: Hooks) throws -> PickleValue {
        var r = ByteReader(bytes, file: file, section: section)
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]
        var opcodeOffset = 0
        var opcode: UInt8 = 0

        func fail(_ what: String) -> TensorFileError {
            .malformed(file: file, field: "\(section) opcode 0x\(String(opcode, radix: 16)) at byte \(opcodeOffset)", expected: what, got: "stack \(stack.count) deep, \(marks.count) marks")
        }
        func pop() throws -> PickleValue {
            guard let v = stack.popLast() else { throw fail("a value on the stack") }
            if let m = marks.last, m > stack.count { throw fail("a value above the last MARK") }
            return v
        }
        func popMark() throws -> [PickleValue] {
            guard let m = marks.popLast() else { throw fail("a MARK before it") }
            let items = Array(stack[m...])
            stack.removeSubrange(m...)
            return items
        }
        func push(_ v: PickleValue) throws {
            guard stack.count < PickleMachine.maximumStack else { throw fail("at most \(PickleMachine.maximumStack) stack values") }
            stack.append(v)
        }
        func put(_ index: Int) throws {
            guard let top = stack.last else { throw fail("a value to memoize") }
            guard memo.count < PickleMachine.maximumMemo || memo[index] != nil else { throw fail("at most \(PickleMachine.maximumMemo) memo entries") }
            memo[index] = top
        }
        func get(_ index: Int) throws {
            guard let v = memo[index] else { throw fail("memo entry \(index) to exist") }
            try push(v)
        }
        /// The nesting depth of `v`; seals a list or dict (it is about to go inside a container).
        func nest(_ v: PickleValue) -> Int {
            switch v {
            case .tuple(_, let d): return d
            case .list(let l): l.sealed = true; return l.depth
            case .dict(let d): d.sealed = true; return d.depth
            default: return 0
            }
        }
        func depth(of items: [PickleValue]) throws -> Int {
            var d = 1
            for v in items { d = max(d, nest(v) + 1) }
            guard d <= PickleMachine.maximumDepth else { throw fail("nesting at most \(PickleMachine.maximumDepth) deep") }
            return d
        }
        func tuple(_ items: [PickleValue]) throws -> PickleValue { .tuple(items, depth: try depth(of: items)) }
        func setItems(_ items: [PickleValue], into target: PickleValue) throws {
            guard case .dict(let d) = target else { throw fail("a dict below the items") }
            guard items.count % 2 == 0 else { throw fail("an even number of keys and values") }
            guard !d.sealed else { throw fail("no items added to a dict already inside another object (cycles are not supported)") }
            d.depth = max(d.depth, try depth(of: items))
            for i in stride(from: 0, to: items.count, by: 2) { d.set(items[i], items[i + 1]) }
        }
        func append(_ items: [PickleValue], into target: PickleValue) throws {
            guard case .list(let l) = target else { throw fail("a list below the items") }
            guard !l.sealed else { throw fail("no items added to a list already inside another object (cycles are not supported)") }
            l.depth = max(l.depth, try depth(of: items))
            l.items.append(contentsOf: items)
        }
        func global(_ module: String, _ name: String) throws {
            guard hooks.allowGlobal(module, name) else {
                throw TensorFileError.forbiddenGlobal(file: file, module: module, name: name, offset: opcodeOffset)
            }
            try push(.global(module: module, name: name))
        }

        while true {
            opcodeOffset = r.offset
            opcode = try r.u8("opcode")
            switch opcode {
            case 0x80:  // PROTO
                let v = try r.u8("protocol")
                guard v >= 2 && v <= 5 else {
                    throw TensorFileError.unsupported(file: file, field: "\(section) PROTO at byte \(opcodeOffset)", what: "pickle protocol \(v) (supported: 2 to 5)")
                }
            case 0x95: _ = try r.u64("FRAME length")  // FRAME: framing is only a read-ahead hint
            case 0x2E:  // STOP
                guard let v = stack.last, stack.count == 1, marks.isEmpty else { throw fail("exactly one value and no MARK at STOP") }
                return v
            case 0x63:  // GLOBAL
                let module = try r.line("GLOBAL module"), name = try r.line("GLOBAL name")
                try global(module, name)
            case 0x93:  // STACK_GLOBAL
                let n = try pop(), m = try pop()
                guard case .string(let module) = m, case .string(let name) = n else { throw fail("two strings for STACK_GLOBAL") }
                try global(module, name)
            case 0x8C: let n = Int(try r.u8("length")); try push(.string(try r.utf8(n, "SHORT_BINUNICODE")))
            case 0x58: let n = Int(try r.u32("length")); try push(.string(try r.utf8(n, "BINUNICODE")))
            case 0x8D:
                let n = try r.u64("length")
                guard n <= UInt64(r.remaining) else { try r.require(Int.max, "BINUNICODE8"); break }
                try push(.string(try r.utf8(Int(n), "BINUNICODE8")))
            case 0x55, 0x54:  // SHORT_BINSTRING, BINSTRING (Python 2 str): Latin-1
                let n = opcode == 0x55 ? Int(try r.u8("length")) : Int(try r.read(Int32.self, "length"))
                guard n >= 0 else { throw fail("a non-negative BINSTRING length") }
                try push(.string(String(decoding: try r.slice(n, "BINSTRING").map { UInt16($0) }, as: UTF16.self)))
            case 0x43: let n = Int(try r.u8("length")); try r.skip(n, "SHORT_BINBYTES"); try push(.bytes(count: n))
            case 0x42: let n = Int(try r.u32("length")); try r.skip(n, "BINBYTES"); try push(.bytes(count: n))
            case 0x8E:
                let n = try r.u64("length")
                guard n <= UInt64(r.remaining) else { try r.require(Int.max, "BINBYTES8"); break }
                try r.skip(Int(n), "BINBYTES8"); try push(.bytes(count: Int(n)))
            case 0x71: try put(Int(try r.u8("BINPUT index")))
            case 0x72: try put(Int(try r.u32("LONG_BINPUT index")))
            case 0x94: try put(memo.count)  // MEMOIZE
            case 0x68: try get(Int(try r.u8("BINGET index")))
            case 0x6A: try get(Int(try r.u32("LONG_BINGET index")))
            case 0x28:  // MARK
                guard marks.count < PickleMachine.maximumStack else { throw fail("fewer MARKs") }
                marks.append(stack.count)
            case 0x29: try push(try tuple([]))
            case 0x74: try push(try tuple(try popMark()))
            case 0x85: let a = try pop(); try push(try tuple([a]))
            case 0x86: let b = try pop(), a = try pop(); try push(try tuple([a, b]))
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); try push(try tuple([a, b, c]))
            case 0x7D: try push(.dict(PickleDict()))
            case 0x64:  // DICT
                let items = try popMark(), d = PickleDict()
                try setItems(items, into: .dict(d)); try push(.dict(d))
            case 0x73:  // SETITEM
                let v = try pop(), k = try pop()
                guard let target = stack.last else { throw fail("a dict below the key and value") }
                try setItems([k, v], into: target)
            case 0x75:  // SETITEMS
                let items = try popMark()
                guard let target = stack.last else { throw fail("a dict below the MARK") }
                try setItems(items, into: target)
            case 0x5D, 0x8F: try push(.list(PickleList()))  // EMPTY_LIST, EMPTY_SET (a set is kept as a list)
            case 0x6C, 0x91:  // LIST, FROZENSET
                let l = PickleList()
                try append(try popMark(), into: .list(l))
                try push(.list(l))
            case 0x61:  // APPEND
                let v = try pop()
                guard let target = stack.last else { throw fail("a list below the value") }
                try append([v], into: target)
            case 0x65, 0x90:  // APPENDS, ADDITEMS
                let items = try popMark()
                guard let target = stack.last else { throw fail("a list below the MARK") }
                try append(items, into: target)
            case 0x4A: try push(.int(Int(try r.read(Int32.self, "BININT"))))
            case 0x4B: try push(.int(Int(try r.u8("BININT1"))))
            case 0x4D: try push(.int(Int(try r.u16("BININT2"))))
            case 0x8A, 0x8B:  // LONG1, LONG4: little-endian two's complement
                let n = opcode == 0x8A ? Int(try r.u8("LONG1 length")) : Int(try r.read(Int32.self, "LONG4 length"))
                guard n >= 0 else { throw fail("a non-negative LONG4 length") }
                let digits = try r.slice(n, "LONG digits")
                if n > 8 {
                    try push(.bigInt(byteCount: n))
                } else {
                    var v: UInt64 = 0
                    for (k, b) in digits.enumerated() { v |= UInt64(b) << (8 * UInt64(k)) }
                    if n > 0 && n < 8 && digits[n - 1] & 0x80 != 0 { v |= ~0 << (8 * UInt64(n)) }  // sign-extend
                    try push(.int(Int(Int64(bitPattern: v))))
                }
            case 0x47: try push(.float(Double(bitPattern: try r.integer(UInt64.self, littleEndian: false, "BINFLOAT"))))
            case 0x88: try push(.bool(true))
            case 0x89: try push(.bool(false))
            case 0x4E: try push(.none)
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32:  // DUP
                guard let v = stack.last else { throw fail("a value to duplicate") }
                try push(v)
            case 0x51:  // BINPERSID
                let pid = try pop()
                _ = nest(pid)
                try push(try hooks.persistentLoad(pid, opcodeOffset))
            case 0x52:  // REDUCE
                let args = try pop(), callable = try pop()
                guard case .tuple(let a, _) = args else { throw fail("an argument tuple for REDUCE") }
                _ = nest(args)
                try push(try hooks.reduce(callable, a, opcodeOffset))
            case 0x81:  // NEWOBJ
                let args = try pop(), cls = try pop()
                guard case .tuple(let a, _) = args else { throw fail("an argument tuple for NEWOBJ") }
                _ = nest(args)
                try push(try hooks.reduce(cls, a, opcodeOffset))
            case 0x62:  // BUILD: object state (e.g. an OrderedDict's _metadata) is not needed; keep the object
                _ = try pop()
                guard !stack.isEmpty else { throw fail("an object below the BUILD state") }
            default:
                throw TensorFileError.unsupported(file: file, field: "\(section) opcode 0x\(String(opcode, radix: 16)) at byte \(opcodeOffset)",
                                                  what: "not an opcode of a binary (protocol 2 to 5) data pickle")
            }
        }
    }
}
