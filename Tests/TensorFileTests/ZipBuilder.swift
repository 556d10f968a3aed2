import Foundation

/// Builds small stored (method 0) ZIP archives in memory, for tests that need a `.pth` around a
/// hand-written pickle or a ZIP64 end record. The CRCs are zero (the reader does not check them).
struct ZipBuilder {
    var entries: [(name: String, bytes: [UInt8])] = []

    static func le(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8((v >> (8 * $0)) & 0xFF) } }

    /// The archive; with `zip64` the end of central directory fields are 0xFFFF… and a ZIP64 end
    /// record and locator precede it.
    /// With `zip64Extras`, every central-directory entry stores its sizes and local header offset
    /// as 0xFFFFFFFF and the real values in a ZIP64 extra field (id 0x0001).
    func data(zip64: Bool = false, zip64Extras: Bool = false, method: Int = 0) -> Data {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for (name, bytes) in entries {
            let offset = out.count
            let n = Array(name.utf8)
            out += ZipBuilder.le(0x0403_4B50, 4) + ZipBuilder.le(20, 2) + ZipBuilder.le(0, 2) + ZipBuilder.le(method, 2)
            out += ZipBuilder.le(0, 4) + ZipBuilder.le(0, 4) + ZipBuilder.le(bytes.count, 4) + ZipBuilder.le(bytes.count, 4)
            out += ZipBuilder.le(n.count, 2) + ZipBuilder.le(0, 2) + n + bytes
            central += ZipBuilder.le(0x0201_4B50, 4) + ZipBuilder.le(20, 2) + ZipBuilder.le(20, 2) + ZipBuilder.le(0, 2)
            central += ZipBuilder.le(method, 2) + ZipBuilder.le(0, 4) + ZipBuilder.le(0, 4)
            let extra = zip64Extras ? ZipBuilder.le(1, 2) + ZipBuilder.le(24, 2) + ZipBuilder.le(bytes.count, 8)
                + ZipBuilder.le(bytes.count, 8) + ZipBuilder.le(offset, 8) : []
            let big = 0xFFFF_FFFF
            central += ZipBuilder.le(zip64Extras ? big : bytes.count, 4) + ZipBuilder.le(zip64Extras ? big : bytes.count, 4)
            central += ZipBuilder.le(n.count, 2) + ZipBuilder.le(extra.count, 2) + ZipBuilder.le(0, 2) + ZipBuilder.le(0, 2)
            central += ZipBuilder.le(0, 2) + ZipBuilder.le(0, 4) + ZipBuilder.le(zip64Extras ? big : offset, 4) + n + extra
        }
        let cdOffset = out.count
        out += central
        if zip64 {
            let recordOffset = out.count
            out += ZipBuilder.le(0x0606_4B50, 4) + ZipBuilder.le(44, 8) + ZipBuilder.le(45, 2) + ZipBuilder.le(45, 2)
            out += ZipBuilder.le(0, 4) + ZipBuilder.le(0, 4) + ZipBuilder.le(entries.count, 8) + ZipBuilder.le(entries.count, 8)
            out += ZipBuilder.le(central.count, 8) + ZipBuilder.le(cdOffset, 8)
            out += ZipBuilder.le(0x0706_4B50, 4) + ZipBuilder.le(0, 4) + ZipBuilder.le(recordOffset, 8) + ZipBuilder.le(1, 4)
            out += ZipBuilder.le(0x0605_4B50, 4) + ZipBuilder.le(0, 2) + ZipBuilder.le(0, 2) + ZipBuilder.le(0xFFFF, 2)
            out += ZipBuilder.le(0xFFFF, 2) + ZipBuilder.le(0xFFFF_FFFF, 4) + ZipBuilder.le(0xFFFF_FFFF, 4) + ZipBuilder.le(0, 2)
        } else {
            out += ZipBuilder.le(0x0605_4B50, 4) + ZipBuilder.le(0, 2) + ZipBuilder.le(0, 2) + ZipBuilder.le(entries.count, 2)
            out += ZipBuilder.le(entries.count, 2) + ZipBuilder.le(central.count, 4) + ZipBuilder.le(cdOffset, 4) + ZipBuilder.le(0, 2)
        }
        return Data(out)
    }

    /// A `.pth`-shaped archive: `archive/data.pkl` plus `archive/data/<key>` storages.
    static func checkpoint(pickle: [UInt8], storages: [String: [UInt8]] = [:], zip64: Bool = false) -> Data {
        checkpointBuilder(pickle: pickle, storages: storages).data(zip64: zip64, zip64Extras: zip64)
    }

    static func checkpointBuilder(pickle: [UInt8], storages: [String: [UInt8]]) -> ZipBuilder {
        var z = ZipBuilder()
        z.entries.append(("archive/data.pkl", pickle))
        for key in storages.keys.sorted() { z.entries.append(("archive/data/\(key)", storages[key]!)) }
        z.entries.append(("archive/version", Array("3\n".utf8)))
        return z
    }
}

/// Writes pickle opcodes by name, for hand-made pickles in tests.
struct PickleWriter {
    var bytes: [UInt8] = [0x80, 0x02]

    mutating func op(_ b: UInt8...) { bytes += b }
    mutating func global(_ module: String, _ name: String) { bytes += [0x63] + Array("\(module)\n\(name)\n".utf8) }
    mutating func string(_ s: String) { let u = Array(s.utf8); bytes += [0x58] + ZipBuilder.le(u.count, 4) + u }
    mutating func shortString(_ s: String) { let u = Array(s.utf8); bytes += [0x8C, UInt8(u.count)] + u }
    /// BININT, or LONG1 with 8 bytes when `v` does not fit in 32 bits.
    mutating func int(_ v: Int) {
        if v >= Int(Int32.min) && v <= Int(Int32.max) { bytes += [0x4A] + ZipBuilder.le(v, 4) } else { bytes += [0x8A, 8] + ZipBuilder.le(v, 8) }
    }
    mutating func intTuple(_ v: [Int]) { op(0x28); for x in v { int(x) }; op(0x74) }

    /// `_rebuild_tensor_v2(('storage', torch.<cls>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`
    mutating func tensor(storage cls: String, key: String, numel: Int, offset: Int, size: [Int], stride: [Int]) {
        global("torch._utils", "_rebuild_tensor_v2")
        op(0x28)  // MARK (args)
        op(0x28); string("storage"); global("torch", cls); string(key); string("cpu"); int(numel); op(0x74)
        op(0x51)  // BINPERSID
        int(offset); intTuple(size); intTuple(stride)
        op(0x89); global("collections", "OrderedDict"); op(0x29, 0x52)
        op(0x74, 0x52)
    }
}
