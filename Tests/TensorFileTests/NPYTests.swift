import Foundation
import XCTest
@testable import TensorCore
@testable import TensorFiles

final class NPYTests: XCTestCase {
    /// A tensor whose values every tested dtype represents exactly.
    let sample = Tensor(shape: [2, 3, 2], values: [0, 1, -2, 3, 4.5, -5, 6, 7, 8, -9, 10, 11])

    func testRoundTripEveryDType() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aims-npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for dtype in DType.allCases where dtype != .bfloat16 {
            let url = dir.appendingPathComponent("a_\(dtype).npy")
            try NPY.write(sample, as: dtype, to: url)
            let back = try NPY.read(url)
            let entry = try XCTUnwrap(back.tensors.first)
            XCTAssertEqual(entry.name, "a_\(dtype)")
            XCTAssertEqual(entry.storedDType, dtype)
            XCTAssertEqual(entry.shape, [2, 3, 2])
            var want = sample.scalars
            want.withUnsafeMutableBufferPointer { buf in
                var raw = [UInt8](repeating: 0, count: buf.count * dtype.byteSize)
                dtype.encode(buf.baseAddress!, count: buf.count, littleEndian: true, into: &raw)
                dtype.decode(raw, count: buf.count, littleEndian: true, into: buf.baseAddress!)
            }
            XCTAssertEqual(entry.tensor.scalars, want, "\(dtype)")
        }
        XCTAssertThrowsError(try NPY.write(sample, as: .bfloat16, to: dir.appendingPathComponent("b.npy")))
    }

    func testWrittenHeaderIsWhatNumPyWrites() throws {
        // the exact header numpy.save writes for a float32 array of shape (3,)
        let one = try NPY.encode(Tensor(shape: [3], values: [1, 2, 3]))
        let text = String(decoding: one[10..<128], as: UTF8.self)
        XCTAssertEqual(text, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" + String(repeating: " ", count: 60) + "\n")
        XCTAssertEqual(Array(one[0..<10]), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 118, 0])
        XCTAssertEqual(one.count, 128 + 12)
        let scalar = try NPY.encode(Tensor(shape: [], values: [7]))
        XCTAssertTrue(String(decoding: scalar[10..<128], as: UTF8.self).contains("'shape': (), }"))
        XCTAssertEqual(try NPY.read(scalar).tensors[0].tensor.scalars, [7])
        // byte-identical to the files NumPy wrote for the same shapes and dtypes
        for (name, dtype, shape) in [("le_float32.npy", DType.float32, [2, 3]), ("le_int16.npy", .int16, [2, 3]),
                                     ("le_bool.npy", .bool, [2, 3]), ("scalar_float64.npy", .float64, []),
                                     ("empty_float32.npy", .float32, [0, 3])] {
            let numpy = try Fixtures.data(name)
            let ours = try NPY.encode(try NPY.read(numpy).tensors[0].tensor, as: dtype)
            XCTAssertEqual(ours, numpy, name)
            XCTAssertEqual(try NPY.read(numpy).tensors[0].shape, shape)
        }
    }

    /// `.npy` bytes with the given header dict text (version 1.0, padded to 64 bytes) and data.
    func npy(_ dict: String, data: [UInt8] = [], version: UInt8 = 1) -> Data {
        let prefix = version == 1 ? 10 : 12
        var text = dict
        while (prefix + text.utf8.count + 1) % 64 != 0 { text += " " }
        text += "\n"
        var out = Data(NPY.magic + [version, 0])
        let n = text.utf8.count
        out.append(contentsOf: version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0])
        out.append(contentsOf: Array(text.utf8))
        out.append(contentsOf: data)
        return out
    }

    func testHeaderParserAcceptsPythonLiteralVariants() throws {
        let a = try NPY.read(npy("{\"descr\":\"<i2\",\"shape\":(2,),\"fortran_order\":False}", data: [1, 0, 0xFF, 0xFF]))
        XCTAssertEqual(a.tensors[0].tensor.scalars, [1, -1])
        let b = try NPY.read(npy("{'descr': '>u2', 'fortran_order': False, 'shape': (1, 2), }", data: [1, 0, 0, 2]))
        XCTAssertEqual(b.tensors[0].tensor.scalars, [256, 2])
        XCTAssertEqual(b.tensors[0].shape, [1, 2])
        let c = try NPY.read(npy("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", data: [1, 2, 3, 4, 5, 6], version: 2))
        XCTAssertEqual(c.tensors[0].tensor.scalars, [1, 3, 5, 2, 4, 6])
        XCTAssertEqual(c.metadata["npy.version"], "2.0")
    }

    func testHeaderParserRejectsWithTypedErrors() {
        let cases: [(String, String, [UInt8])] = [
            ("missing key", "{'descr': '<f4', 'shape': (1,), }", [0, 0, 0, 0]),
            ("extra key", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1, }", [0, 0, 0, 0]),
            ("structured dtype", "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0]),
            ("object dtype", "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 0, 0]),
            ("complex", "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0, 0, 0, 0]),
            ("| on f4", "{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0]),
            ("negative extent", "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", [0, 0, 0, 0]),
            ("(1) is not a tuple", "{'descr': '<f4', 'fortran_order': False, 'shape': (1), }", [0, 0, 0, 0]),
            ("lowercase bool", "{'descr': '<f4', 'fortran_order': false, 'shape': (1,), }", [0, 0, 0, 0]),
            ("unclosed", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), ", [0, 0, 0, 0]),
            ("trailing junk", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x", [0, 0, 0, 0]),
            ("too few bytes", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", [0, 0, 0, 0]),
            ("too many bytes", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", [0, 0, 0, 0, 0]),
            ("huge shape", "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", [0]),
        ]
        for (what, dict, data) in cases {
            let e = expectFileError(what) { _ = try NPY.read(npy(dict, data: data), file: "bad.npy") }
            XCTAssertEqual(e?.file, "bad.npy", what)
        }
        var v9 = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0])
        v9[6] = 9
        XCTAssertEqual(expectFileError("version 9") { _ = try NPY.read(v9) }.map(kind), "unsupported")
    }
}
