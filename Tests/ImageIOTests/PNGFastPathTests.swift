import Foundation
import XCTest
@testable import ImageIO
import Tensor

/// The libdeflate fast path of the PNG decoder must give exactly libpng's samples.
final class PNGFastPathTests: XCTestCase {
    func decodeBothWays(_ url: URL, _ name: String) throws {
        guard let fast = try PNGCodec.withFastPath(true, { try PNGCodec.read(url) }) else {
            throw XCTSkip("libdeflate.so.0 not installed: only the libpng path exists")
        }
        let slow = try PNGCodec.withFastPath(false) { try PNGCodec.read(url) }!
        XCTAssertEqual(fast, slow, name)
    }

    /// Every PNG fixture (third-party encoders: all filter types, palette, low bit depths and Adam7,
    /// which take the libpng path) and the real polarization crops.
    func testFixturesDecodeIdentically() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.images.path).filter { $0.hasSuffix(".png") }
        XCTAssertGreaterThan(names.count, 10)
        let before = PNGCodec.fastPathDecodes
        for name in names.sorted() { try decodeBothWays(Fixtures.url(name), name) }
        XCTAssertGreaterThan(PNGCodec.fastPathDecodes, before + 5, "the 8/16-bit non-interlaced fixtures take the fast path")
    }

    /// libpng-written random images (adaptive filtering picks all five filter types) of every eligible layout.
    func testRandomImagesDecodeIdentically() throws {
        let dir = try TemporaryDirectory()
        for dtype in [DType.uint8, .uint16] {
            for channels in 1...4 {
                let image = RoundTripTests.image(width: 37, height: 23, channels: channels, dtype: dtype, seed: UInt64(channels))
                let url = dir.file("fast_\(dtype)_\(channels).png")
                try PNGCodec.write(image, to: url)
                let before = PNGCodec.fastPathDecodes
                try decodeBothWays(url, "\(dtype) c\(channels)")
                XCTAssertEqual(PNGCodec.fastPathDecodes, before + 1, "eligible: decoded by the fast path")
                XCTAssertEqual(try PNGCodec.read(url).bytes, image.bytes)
            }
        }
    }

    /// A corrupted pixel chunk: the fast path declines and libpng reports the error.
    func testCorruptDataStillFailsThroughLibpng() throws {
        let dir = try TemporaryDirectory()
        let image = RoundTripTests.image(width: 64, height: 64, channels: 1, dtype: .uint8, seed: 3)
        let url = dir.file("corrupt.png")
        try PNGCodec.write(image, to: url)
        var bytes = try Data(contentsOf: url)
        let idat = bytes.range(of: Data("IDAT".utf8))!.upperBound
        bytes[idat + 20] ^= 0xFF
        XCTAssertThrowsError(try PNGCodec.decode([UInt8](bytes), file: "corrupt.png"))
    }
}
