import Foundation
import XCTest
@testable import ImageIO

/// Malformed JPEGs give an `ImageIOError` naming the file: never `exit()` (libjpeg's default error
/// handler), a crash or a hang. The corpus is derived here from the committed fixtures.
final class JPEGMalformedTests: XCTestCase {
    static let sources = ["baseline_420.jpg", "baseline_444.jpg", "gray.jpg", "progressive_420.jpg", "progressive_gray.jpg",
                          "restart_420.jpg", "exif_orientation6.jpg", "cmyk.jpg"]

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: JPEGDecodeTests.url(name))) }

    /// Asserts `bytes` fail through `ImageReader`'s path with an error that names `name`.
    func assertFails(_ bytes: [UInt8], _ name: String, _ what: String) {
        do {
            _ = try ImageReader.decode(bytes, file: name)
            XCTFail("\(name) \(what) decoded without error")
        } catch let error as ImageIOError {
            XCTAssertTrue(error.localizedDescription.hasPrefix(name + ":"), "names the file: \(error.localizedDescription)")
        } catch {
            XCTFail("\(name) \(what): untyped error \(error)")
        }
    }

    func testTruncationsAtEverySixteenthFail() throws {
        for name in Self.sources {
            let b = try Self.bytes(name)
            XCTAssertNoThrow(try ImageReader.decode(b, file: name))
            for k in 0..<16 { assertFails(Array(b.prefix(b.count * k / 16)), name, "truncated to \(k)/16") }
            // Losing only the EOI marker is still a complete image for libjpeg (and Pillow).
        }
        let truncated = Array(try Self.bytes("baseline_420.jpg").prefix(700))
        XCTAssertThrowsError(try ImageReader.decode(truncated, file: "t.jpg")) { error in
            XCTAssertEqual(error.localizedDescription, "t.jpg: libjpeg: premature end of data (truncated JPEG)")
        }
    }

    func testZeroLengthAndTinyFiles() throws {
        let dir = try TemporaryDirectory()
        let empty = dir.file("empty.jpg")
        try Data().write(to: empty)
        XCTAssertThrowsError(try ImageReader.read(empty)) { error in
            XCTAssertEqual(error.localizedDescription, "empty.jpg: file signature: expected PNG, JPEG, TIFF, BigTIFF or PNM (P1-P6) magic bytes, got empty file")
        }
        for n in 0..<4 {
            XCTAssertThrowsError(try JPEGCodec.decode(Array([0xFF, 0xD8, 0xFF, 0xE0].prefix(n)), file: "tiny.jpg")) {
                XCTAssertTrue($0.localizedDescription.hasPrefix("tiny.jpg: "), $0.localizedDescription)
            }
        }
    }

    /// Flipping a byte of the SOI marker must fail; other header flips (first 700 bytes: markers,
    /// quantisation and Huffman tables, frame and scan headers) give an image or an ImageIOError.
    func testFlippedHeaderBytes() throws {
        for name in Self.sources {
            let b = try Self.bytes(name)
            for i in 0..<min(b.count, 700) {
                for mask: UInt8 in [0xFF, 0x01] {
                    var f = b
                    f[i] ^= mask
                    if i < 3 { assertFails(f, name, "flipped SOI byte \(i)"); continue }
                    do { _ = try ImageReader.decode(f, file: name) } catch is ImageIOError {} catch {
                        XCTFail("\(name): flipping byte \(i): untyped error \(error)")
                    }
                }
            }
        }
    }

    /// Random byte corruptions anywhere (tables, scan data, restart markers): each decode ends in an
    /// image or an ImageIOError. Seeded; `AIMS_FUZZ_ITERATIONS` raises the count.
    func testRandomCorruptionsNeverCrash() throws {
        let iterations = Int(ProcessInfo.processInfo.environment["AIMS_FUZZ_ITERATIONS"] ?? "") ?? 60
        var rng = TestRandom(seed: 7)
        for name in Self.sources {
            let b = try Self.bytes(name)
            for _ in 0..<iterations {
                var m = b
                for _ in 0..<(1 + Int(rng.next() % 4)) { m[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                do { _ = try ImageReader.decode(m, file: name) } catch is ImageIOError {} catch { XCTFail("\(name): untyped error \(error)") }
            }
        }
    }

    /// A tiny file claiming a huge frame is refused before any pixel allocation.
    func testHugeClaimedSizeIsRefusedBeforeAllocating() throws {
        var b = try Self.bytes("gray.jpg")
        let sof = try XCTUnwrap((0..<(b.count - 1)).first { b[$0] == 0xFF && b[$0 + 1] == 0xC0 })
        b[sof + 5] = 0xFD; b[sof + 6] = 0xE8  // height 65000 (libjpeg's own limit is 65500)
        b[sof + 7] = 0xFD; b[sof + 8] = 0xE8  // width 65000
        XCTAssertThrowsError(try ImageReader.decode(b, file: "huge.jpg")) { error in
            guard case .tooLarge? = error as? ImageIOError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try JPEGCodec.decode(b, file: "huge.jpg", options: .allowHugeImages)) { error in
            guard case .truncated(let file, _, _, _)? = error as? ImageIOError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "huge.jpg")
        }
    }
}
