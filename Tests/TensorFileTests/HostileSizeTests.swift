import Foundation
import XCTest
@testable import TensorFiles

/// Small tensor files, built here, that declare absurd sizes: each is refused with a typed error naming the
/// file and the field before anything of that size is allocated (docs/RELIABILITY.md, "Limits").
final class HostileSizeTests: XCTestCase {
    /// An NPY file with header dict `dict` and `body` after it.
    func npy(_ dict: String, body: [UInt8] = []) -> Data {
        var text = dict
        while (10 + text.utf8.count + 1) % 64 != 0 { text += " " }
        text += "\n"
        return Data(NPY.magic + [1, 0] + ZipBuilder.le(text.utf8.count, 2) + Array(text.utf8) + body)
    }

    /// A safetensors file with a declared header length, the header text and `body`.
    func safetensors(length: UInt64? = nil, _ header: String, body: [UInt8] = []) -> Data {
        let h = Array(header.utf8)
        let n = length ?? UInt64(h.count)
        return Data((0..<8).map { UInt8((n >> (8 * UInt64($0))) & 0xFF) } + h + body)
    }

    func testNPYNegativeOverflowingAndHugeShapes() throws {
        let negative = expectFileError("negative") { _ = try TensorFiles.read(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }"), file: "neg.npy") }
        guard case .malformed("neg.npy", let field, _, _)? = negative else { return XCTFail("\(String(describing: negative))") }
        XCTAssertTrue(field.hasPrefix("header dict"), field)
        // 2^62 x 4 elements: the product overflows Int
        let overflow = expectFileError("overflow") { _ = try TensorFiles.read(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"), file: "ovf.npy") }
        XCTAssertEqual(overflow, .malformed(file: "ovf.npy", field: "header 'shape'", expected: "non-negative extents with a representable product",
                                            got: "[4611686018427387904, 4]"))
        // 100,000 x 100,000 float32: 40 GB as Float, refused before the (absent) data is even looked at
        let huge = expectFileError("huge") { _ = try TensorFiles.read(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }"), file: "huge.npy") }
        XCTAssertEqual(huge, .tooLarge(file: "huge.npy", field: "header 'shape' [100000, 100000]", bytes: 40_000_000_000, limit: ReadLimits.maxDecodedBytes))
        XCTAssertTrue(huge?.errorDescription?.contains("AIMS_MAX_DECODED_MB") ?? false)
        // (2^31, 2^31) uint8: a representable count whose Float size overflows
        let floats = expectFileError("float bytes") { _ = try TensorFiles.read(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2147483648, 2147483648), }"), file: "u8.npy") }
        XCTAssertEqual(floats, .tooLarge(file: "u8.npy", field: "header 'shape' [2147483648, 2147483648]", bytes: nil, limit: ReadLimits.maxDecodedBytes))
    }

    func testSafetensorsHeaderOf10GBAndHugeEntries() throws {
        // 10 GB header length followed by a JSON object: recognised as safetensors, the length is the error
        let header = expectFileError("10 GB header") { _ = try TensorFiles.read(safetensors(length: 10_000_000_000, "{}"), file: "big.safetensors") }
        XCTAssertEqual(header, .malformed(file: "big.safetensors", field: "header length", expected: "at most 100000000 bytes", got: "10000000000"))
        // an entry declaring 100,000 x 100,000 F32 (and the matching data_offsets) in a 100-byte file
        let entry = #"{"w":{"dtype":"F32","shape":[100000,100000],"data_offsets":[0,40000000000]}}"#
        let huge = expectFileError("huge entry") { _ = try TensorFiles.read(safetensors(entry), file: "w.safetensors") }
        XCTAssertEqual(huge, .tooLarge(file: "w.safetensors", field: "header entry 'w' shape [100000, 100000]", bytes: 40_000_000_000,
                                       limit: ReadLimits.maxDecodedBytes))
        // a shape whose product overflows
        let overflow = expectFileError("overflow") {
            _ = try TensorFiles.read(safetensors(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}}"#), file: "o.safetensors")
        }
        guard case .malformed("o.safetensors", "header entry 'w' shape", _, _)? = overflow else { return XCTFail("\(String(describing: overflow))") }
    }

    func testPthEntryClaiming100GBAndDeflatedEntries() throws {
        let pickle: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x2E]  // PROTO 2, EMPTY_DICT, BINPUT 0, STOP
        let z = ZipBuilder.checkpointBuilder(pickle: pickle, storages: ["0": [UInt8](repeating: 0, count: 16)])
        var bytes = [UInt8](z.data(zip64Extras: true))
        // the ZIP64 extra of the 16-byte storage entry: sizes (8 + 8 bytes) after id 1, length 24
        let marker: [UInt8] = [1, 0, 24, 0] + ZipBuilder.le(16, 8) + ZipBuilder.le(16, 8)
        let at = try XCTUnwrap((0..<(bytes.count - marker.count)).first { Array(bytes[$0..<($0 + marker.count)]) == marker })
        let hundredGB = 100_000_000_000
        bytes.replaceSubrange((at + 4)..<(at + 20), with: ZipBuilder.le(hundredGB, 8) + ZipBuilder.le(hundredGB, 8))
        let claim = expectFileError("100 GB entry") { _ = try TensorFiles.read(Data(bytes), file: "claim.pth") }
        XCTAssertEqual(claim, .malformed(file: "claim.pth", field: "ZIP entry 'archive/data/0'",
                                         expected: "sizes and offset within the \(bytes.count)-byte file",
                                         got: "compressed \(hundredGB), offset \(localOffset(of: "archive/data/0", in: z))"))
        // a deflated entry (which could inflate to anything) is refused, not inflated
        let deflated = expectFileError("deflated") { _ = try TensorFiles.read(z.data(method: 8), file: "deflated.pth") }
        guard case .unsupported("deflated.pth", let field, let what)? = deflated else { return XCTFail("\(String(describing: deflated))") }
        XCTAssertTrue(field.hasPrefix("ZIP entry 'archive/"), field)
        XCTAssertTrue(what.hasPrefix("compression method 8"), what)
    }

    /// Where `ZipBuilder` puts the local header of `name`.
    func localOffset(of name: String, in z: ZipBuilder) -> Int {
        var offset = 0
        for e in z.entries {
            if e.name == name { return offset }
            offset += 30 + e.name.utf8.count + e.bytes.count
        }
        return -1
    }

    func testLimitFromTheEnvironmentVariable() {
        XCTAssertEqual(ReadLimits.parse(nil).bytes, 2 << 30)
        XCTAssertEqual(ReadLimits.parse("512").bytes, 512 << 20)
        XCTAssertNil(ReadLimits.parse("512").problem)
        for bad in ["0", "-3", "2GB", "", "9223372036854775807"] {
            XCTAssertEqual(ReadLimits.parse(bad).bytes, ReadLimits.defaultMaxDecodedBytes, bad)
            XCTAssertTrue(ReadLimits.parse(bad).problem?.hasPrefix("AIMS_MAX_DECODED_MB=\(bad): expected a whole number") ?? false, bad)
        }
        XCTAssertEqual(ReadLimits.checkedBytes(count: 3, bytesPerElement: 4, limit: 12), 12)
        XCTAssertNil(ReadLimits.checkedBytes(count: 4, bytesPerElement: 4, limit: 12))
        XCTAssertNil(ReadLimits.checkedBytes(count: Int.max / 2, bytesPerElement: 4, limit: Int.max))
    }
}
