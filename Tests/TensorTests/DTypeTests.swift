import XCTest
@testable import TensorCore

final class DTypeTests: XCTestCase {
    func testHalfRoundTripOfEveryFiniteHalf() {
        // Every binary16 value is exactly a Float, so half -> float -> half is the identity.
        for bits in UInt16.min...UInt16.max where (bits >> 10) & 0x1F != 0x1F {
            let f = DType.floatFromHalfBits(bits)
            XCTAssertEqual(DType.halfBits(from: f), bits, "half 0x\(String(bits, radix: 16))")
        }
    }

    func testHalfKnownValues() {
        // Values from IEEE 754: 1.0 = 0x3C00, -2 = 0xC000, 65504 = 0x7BFF, 2^-24 = 0x0001.
        XCTAssertEqual(DType.floatFromHalfBits(0x3C00), 1)
        XCTAssertEqual(DType.floatFromHalfBits(0xC000), -2)
        XCTAssertEqual(DType.floatFromHalfBits(0x7BFF), 65504)
        XCTAssertEqual(DType.floatFromHalfBits(0x0001), Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(DType.halfBits(from: 1.0 + 1.0 / 2048), 0x3C00, "tie rounds to even")
        XCTAssertEqual(DType.halfBits(from: 1e6), 0x7C00, "overflow is +inf")
    }

    func testBFloat16RoundsToNearestEven() {
        XCTAssertEqual(DType.bfloat16Bits(from: 1), 0x3F80)
        // 1 + 2^-8 lies exactly between bf16 1.0 and 1+2^-7: ties to even (1.0).
        XCTAssertEqual(DType.bfloat16Bits(from: 1 + 1.0 / 256), 0x3F80)
        XCTAssertEqual(DType.bfloat16Bits(from: 1 + 3.0 / 256), 0x3F82)
    }

    func testIntegerEncodeSaturatesAndRounds() {
        let src: [Float] = [-3.5, 2.5, 300, -1, 70000]
        var out = [UInt8](repeating: 0, count: 5)
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBytes { DType.uint8.encode(s.baseAddress!, count: 5, littleEndian: true, into: $0.baseAddress!) }
        }
        XCTAssertEqual(out, [0, 2, 255, 0, 255])
    }

    func testBigEndianDecode() {
        let bytes: [UInt8] = [0x01, 0x02, 0xFF, 0xFE]
        var out = [Float](repeating: 0, count: 2)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { DType.int16.decode(raw.baseAddress!, count: 2, littleEndian: false, into: $0.baseAddress!) }
        }
        XCTAssertEqual(out, [258, -2])
    }
}
