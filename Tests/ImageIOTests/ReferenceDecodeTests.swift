import Foundation
import XCTest
@testable import ImageIO

/// Decodes every committed fixture (and each page of multi-page TIFFs) and compares the samples
/// byte for byte with what Pillow, pypng, tifffile or numpy returned for the same file
/// (`fixtures/images/reference.json`, written by `scripts/make_image_fixtures.py`).
final class ReferenceDecodeTests: XCTestCase {
    func testEveryFixtureMatchesItsReferenceReader() throws {
        let entries = try Fixtures.entries()
        XCTAssertGreaterThanOrEqual(entries.count, 40, "reference.json lost entries")
        for entry in entries {
            let url = Fixtures.url(entry.file)
            let context = "\(entry.file) page \(entry.page) (reference: \(entry.reader))"
            let image: RawImage
            do {
                image = try ImageReader.read(url, page: entry.page)
            } catch {
                XCTFail("\(context): \(error.localizedDescription)")
                continue
            }
            XCTAssertEqual([image.height, image.width, image.channels], entry.shape, context)
            XCTAssertEqual(image.dtype.rawValue, entry.dtype, context)
            XCTAssertEqual(image.info?.bitDepth, entry.bit_depth, context)
            XCTAssertEqual(image.info?.pageCount, entry.page_count, context)
            let reference = try Fixtures.referenceBytes(entry)
            XCTAssertEqual(image.bytes.count, reference.count, context)
            if image.bytes != reference {
                let first = zip(image.bytes, reference).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1
                XCTFail("\(context): samples differ from the reference, first at byte \(first)")
            }
        }
    }

    func testInfoReportsFormatAndLayout() throws {
        var info = try ImageReader.info(Fixtures.url("png_palette_trns.png"))
        XCTAssertEqual(info.format, .png)
        XCTAssertEqual(info.colorModel, "palette")
        XCTAssertEqual(info.channels, 4, "palette + tRNS expands to RGBA")
        XCTAssertEqual(info.bitDepth, 8)

        info = try ImageReader.info(Fixtures.url("png_rgb8_adam7.png"))
        XCTAssertTrue(info.interlaced)

        info = try ImageReader.info(Fixtures.url("tiff_multipage.tif"), page: 1)
        XCTAssertEqual(info.format, .tiff)
        XCTAssertEqual(info.pageCount, 3)
        XCTAssertEqual(info.compression, "deflate")
        XCTAssertEqual(info.colorModel, "rgb")
        XCTAssertEqual([info.width, info.height, info.channels], [7, 5, 3])
        XCTAssertEqual(info.dtype, .uint16)
        XCTAssertEqual(try ImageReader.info(Fixtures.url("tiff_multipage.tif"), page: 2).compression, "lzw")
        XCTAssertEqual(try TIFFCodec.pageCount(Fixtures.url("tiff_multipage.tif")), 3)

        info = try ImageReader.info(Fixtures.url("tiff_int16_planar_tiled.tif"))
        XCTAssertTrue(info.tiled)
        XCTAssertTrue(info.planar)
        XCTAssertEqual(info.channels, 4)

        info = try ImageReader.info(Fixtures.url("tiff_uint16_bigtiff.tif"))
        XCTAssertEqual(info.format, .bigTIFF)

        info = try ImageReader.info(Fixtures.url("tiff_int16_c1_be.tif"))
        XCTAssertEqual(info.byteOrder, "big")

        info = try ImageReader.info(Fixtures.url("pnm_gray12.pgm"))
        XCTAssertEqual(info.format, .pnm)
        XCTAssertEqual(info.maxval, 4095)
        XCTAssertEqual(info.dtype, .uint16)
        XCTAssertEqual(try ImageReader.read(Fixtures.url("pnm_ascii.pgm")).info?.maxval, 999)
    }

    func testSniffByMagicBytes() {
        XCTAssertEqual(ImageReader.sniff(Fixtures.url("png_gray8.png")), .png)
        XCTAssertEqual(ImageReader.sniff(Fixtures.url("tiff_uint8_c1.tif")), .tiff)
        XCTAssertEqual(ImageReader.sniff(Fixtures.url("tiff_int16_c1_be.tif")), .tiff)
        XCTAssertEqual(ImageReader.sniff(Fixtures.url("tiff_uint16_bigtiff.tif")), .bigTIFF)
        XCTAssertEqual(ImageReader.sniff(Fixtures.url("pnm_gray16.pgm")), .pnm)
        XCTAssertEqual(ImageReader.sniff(Fixtures.url("pnm_ascii.ppm")), .pnm)
        XCTAssertNil(ImageReader.sniff(Fixtures.url("reference.json")))
        XCTAssertNil(ImageReader.sniff(Fixtures.url("no-such-file.png")))
        XCTAssertEqual(ImageFormat.sniff(prefix: Array("MM\0*".utf8)), .tiff)
        XCTAssertEqual(ImageFormat.sniff(prefix: Array("MM\0+".utf8)), .bigTIFF)
        XCTAssertNil(ImageFormat.sniff(prefix: Array("P7\n".utf8)))
    }

    /// The polarization crop keeps the DoFP phase; `toTensor` gives `[C, H, W]` in file units.
    func testRealCropToTensor() throws {
        let image = try ImageReader.read(Fixtures.url("real_sentinel2_crop.tif"))
        let tensor = image.toTensor()
        XCTAssertEqual(tensor.shape, [4, 48, 40])
        let planar = try ImageReader.read(Fixtures.url("real_sentinel2_crop_planar_deflate.tif"))
        XCTAssertEqual(planar.bytes, image.bytes, "planar+deflate and contiguous encodings decode identically")
    }
}
