import Foundation
import XCTest
@testable import ImageIO
import TestRequirements

/// When the real captures are present (`../shared/data` beside the repository, as in CI), decode
/// the ORIGINAL files and compare the cropped region with the reference crop recorded from
/// Pillow/tifffile's decode of the same originals. Skipped, saying which file is absent, otherwise.
final class SharedDataTests: XCTestCase {

    /// Rows `y..<y+h`, cols `x..<x+w` of an interleaved image.
    static func crop(_ image: RawImage, y: Int, x: Int, h: Int, w: Int) -> [UInt8] {
        let px = image.channels * image.dtype.byteSize
        var out: [UInt8] = []
        out.reserveCapacity(h * w * px)
        for r in y..<(y + h) {
            let start = (r * image.width + x) * px
            out.append(contentsOf: image.bytes[start..<(start + w * px)])
        }
        return out
    }

    func testOriginalsDecodeToTheReferenceCrops() throws {
        let entries = try Fixtures.entries()
        func reference(_ file: String) throws -> [UInt8] {
            try Fixtures.referenceBytes(XCTUnwrap(entries.first { $0.file == file }))
        }
        let polarizer = try ImageReader.read(try OptionalData.sharedFile("polarization/polarizer_IMX250MZR.png", "the real polarization capture"))
        XCTAssertEqual([polarizer.width, polarizer.height, polarizer.channels], [2448, 2048, 1])
        XCTAssertEqual(Self.crop(polarizer, y: 1000, x: 1224, h: 64, w: 64), try reference("real_polarizer_crop.png"))

        let sentinel = try ImageReader.read(try OptionalData.sharedFile("nir/sentinel2_BGRN_section_2.tif", "the real Sentinel-2 capture"))
        XCTAssertEqual([sentinel.width, sentinel.height, sentinel.channels], [155, 152, 4])
        XCTAssertEqual(sentinel.dtype, .uint16)
        // libtiff warns about the GeoTIFF tags it does not know; the warning is captured, not printed
        XCTAssertNotNil(sentinel.info?.warning)
        XCTAssertEqual(Self.crop(sentinel, y: 40, x: 50, h: 48, w: 40), try reference("real_sentinel2_crop.tif"))
    }
}
