import Foundation
import XCTest
@testable import AIMS

/// Digests of the FIPS 180-4 example messages, as printed by coreutils `sha256sum`.
final class SHA256Tests: XCTestCase {
    func testNISTShortVectors() {
        XCTAssertEqual(SHA256.hex(Data("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Data()),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testMillionAInUnevenChunks() {
        var h = SHA256()
        var remaining = 1_000_000
        var chunk = 1
        while remaining > 0 {
            let n = min(chunk, remaining)
            h.update(Data(repeating: UInt8(ascii: "a"), count: n))
            remaining -= n
            chunk = chunk * 3 + 1
        }
        XCTAssertEqual(h.finalize().map { String(format: "%02x", $0) }.joined(),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testFileDigestEqualsInMemoryDigest() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        // 2.5 MiB crosses the 1 MiB read chunks and the 64-byte block boundary.
        let data = Data((0..<(5 << 19)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 9)) })
        try data.write(to: url)
        XCTAssertEqual(try SHA256.hex(fileAt: url), SHA256.hex(data))
    }
}
