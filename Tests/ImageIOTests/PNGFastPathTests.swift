import Foundation
import XCTest
@testable import ImageIO
import TensorCore
import TestRequirements

/// The libdeflate fast path of the PNG decoder must give exactly libpng's samples. libdeflate is loaded at
/// run time (optional for aims), but scripts/ensure-deps installs it, so `make test` fails without it.
final class PNGFastPathTests: XCTestCase {
    func decodeBothWays(_ url: URL, _ name: String) throws {
        guard let fast = try PNGCodec.withFastPath(true, { try PNGCodec.read(url) }) else {
            throw Provided.missing("libdeflate.so.0 (only the libpng path exists)",
                                   remedy: "scripts/ensure-deps installs it (Debian package libdeflate0)")
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

    /// Smooth ramps (libpng's filter heuristic then picks Sub, Up, Average or Paeth rows; Sub on
    /// 1-byte pixels takes the vectorised prefix sum) in gray, gray+alpha and RGB, 8 and 16 bits.
    func testSmoothImagesDecodeIdentically() throws {
        let dir = try TemporaryDirectory()
        let (w, h) = (101, 67)
        for (dtype, channels) in [(DType.uint8, 1), (.uint8, 2), (.uint8, 3), (.uint16, 1)] {
            let ramps: [(Int, Int) -> Int] = [{ x, _ in 3 * x }, { _, y in 2 * y }, { x, y in x + y + (x * y) % 3 }]
            for (i, ramp) in ramps.enumerated() {
                var bytes = [UInt8]()
                for y in 0..<h { for x in 0..<w { for c in 0..<channels {
                    let v = ramp(x, y) + 7 * c
                    if dtype == .uint16 { bytes += [UInt8(truncatingIfNeeded: v * 37), UInt8(truncatingIfNeeded: v)] }
                    else { bytes.append(UInt8(truncatingIfNeeded: v)) }
                } } }
                let image = RawImage(width: w, height: h, channels: channels, dtype: dtype, bytes: bytes)
                let url = dir.file("ramp_\(dtype)_\(channels)_\(i).png")
                try PNGCodec.write(image, to: url)
                try decodeBothWays(url, url.lastPathComponent)
                XCTAssertEqual(try PNGCodec.read(url).bytes, image.bytes, url.lastPathComponent)
            }
        }
    }

    /// The real full-size polarization capture (Sub-filtered rows of 1-byte pixels), when the shared data is present.
    func testRealCaptureDecodesIdentically() throws {
        let capture = try OptionalData.sharedFile("polarization/polarizer_IMX250MZR.png", "the real polarization capture")
        try decodeBothWays(capture, "polarizer_IMX250MZR.png")
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
