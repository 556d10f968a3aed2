import Foundation
import XCTest
@testable import TensorFiles

/// Hand-made pickles and archives for the opcodes and cases that torch.save fixtures do not show.
final class TorchPickleTests: XCTestCase {
    let floats: [UInt8] = [Float](arrayLiteral: 1, 2, 3, 4, 5, 6).flatMap { ZipBuilder.le(Int($0.bitPattern), 4) }

    func read(_ p: PickleWriter, storages: [String: [UInt8]] = [:], zip64: Bool = false) throws -> TensorArchive {
        try TorchCheckpoint.read(ZipBuilder.checkpoint(pickle: p.bytes + [0x2E], storages: storages, zip64: zip64), file: "t.pth")
    }

    func testProtocol4OpcodesAndZip64Records() throws {
        var p = PickleWriter()
        p.bytes = [0x80, 0x04, 0x95] + ZipBuilder.le(0, 8)  // PROTO 4, FRAME
        p.op(0x7D, 0x94)  // EMPTY_DICT, MEMOIZE
        p.op(0x28)
        p.shortString("w")
        // STACK_GLOBAL for the rebuild function
        p.shortString("torch._utils"); p.shortString("_rebuild_tensor_v2"); p.op(0x93, 0x94)
        p.op(0x28)
        p.op(0x28); p.shortString("storage"); p.shortString("torch"); p.shortString("FloatStorage"); p.op(0x93)
        p.shortString("0"); p.shortString("cpu"); p.op(0x4B, 6); p.op(0x74, 0x51)
        p.op(0x4B, 1)                       // offset 1
        p.op(0x4B, 2, 0x85)                 // size (2,)
        p.op(0x4B, 2, 0x85)                 // stride (2,)
        p.op(0x89, 0x7D)                    // requires_grad False, hooks {}
        p.op(0x74, 0x52)
        p.shortString("neg"); p.op(0x8A, 2, 0x00, 0xFF)           // LONG1 -256
        p.shortString("pi"); p.op(0x47); p.bytes += withUnsafeBytes(of: Double.pi.bitPattern.bigEndian, Array.init)
        p.shortString("list"); p.op(0x5D, 0x28, 0x4E, 0x88, 0x4D, 0x34, 0x12, 0x65)  // [None, True, 0x1234]
        p.shortString("big"); p.op(0x8A, 9); p.bytes += [UInt8](repeating: 1, count: 9)
        p.op(0x75)
        let a = try read(p, storages: ["0": floats], zip64: true)
        XCTAssertEqual(a.names, ["w"])
        XCTAssertEqual(a["w"]?.scalars, [2, 4])
        XCTAssertEqual(a.metadata["neg"], "-256")
        XCTAssertEqual(a.metadata["pi"], String(Double.pi))
        XCTAssertEqual(a.metadata["list.0"], "None")
        XCTAssertEqual(a.metadata["list.1"], "True")
        XCTAssertEqual(a.metadata["list.2"], "4660")
        XCTAssertNil(a.metadata["big"])
        // the same without ZIP64 records, and with the ZIP64 extra fields but a classic end record
        let plain = try TorchCheckpoint.read(ZipBuilder.checkpoint(pickle: p.bytes + [0x2E], storages: ["0": floats]), file: "t.pth")
        XCTAssertEqual(plain["w"]?.scalars, [2, 4])
        let extras = ZipBuilder.checkpointBuilder(pickle: p.bytes + [0x2E], storages: ["0": floats]).data(zip64Extras: true)
        XCTAssertEqual(try TorchCheckpoint.read(extras, file: "t.pth")["w"]?.scalars, [2, 4])
    }

    func testStridedViewOutsideStorageIsRejected() throws {
        var p = PickleWriter()
        p.tensor(storage: "FloatStorage", key: "0", numel: 6, offset: 2, size: [2, 3], stride: [3, 1])
        let e = expectFileError("view past the end") { _ = try read(p, storages: ["0": floats]) }
        XCTAssertTrue(e?.localizedDescription.contains("reaching element 7") ?? false, e?.localizedDescription ?? "")
        var q = PickleWriter()
        q.tensor(storage: "FloatStorage", key: "0", numel: 6, offset: 0, size: [2], stride: [1])
        let short = expectFileError("storage shorter than numel") { _ = try read(q, storages: ["0": Array(floats[0..<20])]) }
        XCTAssertEqual(short.map(kind), "malformed")
        let absent = expectFileError("storage entry missing") { _ = try read(q) }
        XCTAssertEqual(absent.map(kind), "missing")
        var r = PickleWriter()
        r.tensor(storage: "ComplexFloatStorage", key: "0", numel: 6, offset: 0, size: [2], stride: [1])
        XCTAssertEqual(expectFileError("complex storage") { _ = try read(r, storages: ["0": floats]) }.map(kind), "forbiddenGlobal")
        var huge = PickleWriter()
        huge.tensor(storage: "FloatStorage", key: "0", numel: 6, offset: 0, size: [1 << 40], stride: [0])
        // 2^40 Float32 values: past the decode limit before anything is expanded.
        XCTAssertEqual(expectFileError("broadcast bomb") { _ = try read(huge, storages: ["0": floats]) }.map(kind), "tooLarge")
    }

    func testBigEndianStoragesFollowTheByteorderEntry() throws {
        var p = PickleWriter()
        p.tensor(storage: "ShortStorage", key: "0", numel: 3, offset: 0, size: [3], stride: [1])
        var z = ZipBuilder.checkpointBuilder(pickle: p.bytes + [0x2E], storages: ["0": [0x01, 0x02, 0xFF, 0xFE, 0x00, 0x07]])
        z.entries.append(("archive/byteorder", Array("big".utf8)))
        let a = try TorchCheckpoint.read(z.data(), file: "t.pth")
        XCTAssertEqual(a["tensor"]?.scalars, [258, -2, 7])
        XCTAssertEqual(a.entry("tensor")?.storedDType, .int16)
        XCTAssertEqual(a.metadata["pytorch.byteorder"], "big")
        z.entries[z.entries.count - 1].bytes = Array("middle".utf8)
        XCTAssertEqual(expectFileError("byteorder middle") { _ = try TorchCheckpoint.read(z.data(), file: "t.pth") }.map(kind), "malformed")
    }

    func testUnsupportedOpcodeNamesOpcodeAndOffset() throws {
        var p = PickleWriter()
        p.op(0x49)  // INT (text protocol 0)
        let e = expectFileError("INT") { _ = try read(p) }
        XCTAssertEqual(e?.localizedDescription, "t.pth: data.pkl opcode 0x49 at byte 2: unsupported: not an opcode of a binary (protocol 2 to 5) data pickle")
    }

    func testCallingAStorageOrOtherAllowedGlobalIsRejected() throws {
        var p = PickleWriter()
        p.global("torch", "FloatStorage"); p.op(0x29, 0x52)
        XCTAssertEqual(expectFileError("FloatStorage()") { _ = try read(p) }.map(kind), "unsupported")
        var q = PickleWriter()
        q.global("os", "system")
        let e = expectFileError("os.system") { _ = try read(q) }
        XCTAssertEqual(e, .forbiddenGlobal(file: "t.pth", module: "os", name: "system", offset: 2))
    }

    func testCyclesAndDeepNestingEndInErrors() throws {
        // l = []; l.append(l)
        var cyc = PickleWriter()
        cyc.op(0x5D, 0x71, 0, 0x68, 0, 0x61)  // EMPTY_LIST BINPUT 0 BINGET 0 APPEND (l inside l, then grows)
        cyc.op(0x68, 0, 0x5D, 0x61)           // BINGET 0, EMPTY_LIST, APPEND: appending to a sealed list
        XCTAssertNotNil(expectFileError("cycle") { _ = try read(cyc) })
        // 100,000 nested 1-tuples
        var deep = PickleWriter()
        deep.op(0x4E)
        deep.bytes += [UInt8](repeating: 0x85, count: 100_000)
        XCTAssertNotNil(expectFileError("deep") { _ = try read(deep) })
        // sharing: t = (x, x) nested 60 times would name 2^60 leaves
        var wide = PickleWriter()
        wide.op(0x4E)
        for _ in 0..<60 { wide.op(0x71, 0, 0x68, 0, 0x86) }  // BINPUT 0, BINGET 0, TUPLE2
        let e = expectFileError("exponential sharing") { _ = try read(wide) }
        XCTAssertEqual(e.map(kind), "unsupported")
    }

    func testMemoAndStackErrors() throws {
        var p = PickleWriter()
        p.op(0x6A, 0xFF, 0xFF, 0xFF, 0xFF)  // LONG_BINGET of an absent slot
        XCTAssertNotNil(expectFileError("absent memo") { _ = try read(p) })
        var q = PickleWriter()
        q.op(0x4E, 0x28, 0x74, 0x30, 0x30)  // POP below the stack
        XCTAssertNotNil(expectFileError("pop empty") { _ = try read(q) })
        var r = PickleWriter()
        r.op(0x4E, 0x4E)  // two values at STOP
        XCTAssertNotNil(expectFileError("two at stop") { _ = try read(r) })
        var s = PickleWriter()
        s.op(0x4E, 0x71, 0x05)  // no STOP: runs off the end
        XCTAssertEqual(expectFileError("no stop") { _ = try TorchCheckpoint.read(ZipBuilder.checkpoint(pickle: s.bytes), file: "t.pth") }.map(kind), "truncated")
    }

    func testNonZipAndDataPklMissing() throws {
        var z = ZipBuilder()
        z.entries.append(("x/other", [1, 2, 3]))
        XCTAssertEqual(expectFileError("no data.pkl") { _ = try TorchCheckpoint.read(z.data(), file: "t.pth") }.map(kind), "missing")
        XCTAssertEqual(expectFileError("compressed") { _ = try TorchCheckpoint.read(ZipBuilder.checkpoint(pickle: [0x80, 2, 0x4E, 0x2E]).replacingMethod(), file: "t.pth") }.map(kind), "unsupported")
    }
}

extension Data {
    /// The same archive with every entry's compression method set to 8 (deflate) in the central directory.
    func replacingMethod() -> Data {
        var d = self
        var i = 0
        while i + 12 <= d.count {
            if d[i] == 0x50, d[i + 1] == 0x4B, d[i + 2] == 0x01, d[i + 3] == 0x02 { d[i + 10] = 8 }
            i += 1
        }
        return d
    }
}
