import CDigest
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

    /// The SHA-extension path and the portable path agree on every length around the block size and on a long
    /// message fed in uneven pieces (the vectors above run on whichever path this CPU takes).
    func testAcceleratedAndPortablePathsAgree() throws {
        defer { digest_use_portable(0) }
        let message = Data((0..<(3 << 16) + 77).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ ($0 >> 7)) })
        func digests() -> [String] {
            var out = [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000].map { SHA256.hex(message.prefix($0)) }
            var h = SHA256()
            var start = 0, piece = 1
            while start < message.count {
                let end = min(message.count, start + piece)
                h.update(message[start..<end])
                start = end; piece = piece * 2 + 3
            }
            out.append(h.finalize().map { String(format: "%02x", $0) }.joined())
            return out
        }
        digest_use_portable(0)
        let accelerated = digest_sha256_accelerated() == 1
        let detected = digests()
        digest_use_portable(1)
        XCTAssertEqual(digest_sha256_accelerated(), 0)
        XCTAssertEqual(digests(), detected)
        XCTAssertEqual(detected.last, SHA256.hex(message))
        if !accelerated { print("SHA256Tests: this CPU has no SHA extensions; both runs took the portable path") }
    }
}
