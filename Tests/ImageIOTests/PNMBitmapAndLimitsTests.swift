import Foundation
import XCTest
@testable import ImageIO

/// PBM decoding against hand-built bytes, reader limits on real fixtures, and concurrent decoding.
final class PNMBitmapAndLimitsTests: XCTestCase {
    func testPBMBinaryAndASCII() throws {
        // 10x2 bitmap, rows padded to 2 bytes: row0 = 1010000011, row1 = 0111111110
        let p4: [UInt8] = Array("P4\n# comment\n10 2\n".utf8) + [0b1010_0000, 0b1100_0000, 0b0111_1111, 0b1000_0000]
        let image = try PNMCodec.decode(p4, file: "b.pbm")
        XCTAssertEqual([image.width, image.height, image.channels], [10, 2, 1])
        XCTAssertEqual(image.dtype, .uint8)
        XCTAssertEqual(image.info?.bitDepth, 1)
        XCTAssertEqual(image.info?.colorModel, "pbm")
        XCTAssertEqual(image.bytes, [1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0])
        // P1 allows digits without separators
        let p1 = try PNMCodec.decode(Array("P1\n10 2\n1010000011\n0 1 1 1 1 1 1 1 1 0\n".utf8), file: "a.pbm")
        XCTAssertEqual(p1.bytes, image.bytes)
        XCTAssertThrowsError(try PNMCodec.decode(p4.dropLast(), file: "b.pbm")) { XCTAssertNotNil($0 as? ImageIOError) }
    }

    func testLimitsApplyToRealFiles() throws {
        let url = Fixtures.url("real_polarizer_crop.png") // 64 x 64
        XCTAssertNoThrow(try ImageReader.read(url, options: ImageReadOptions(maxPixels: 4096)))
        XCTAssertThrowsError(try ImageReader.read(url, options: ImageReadOptions(maxPixels: 4095))) { error in
            XCTAssertEqual(error as? ImageIOError, .tooLarge(file: "real_polarizer_crop.png", width: 64, height: 64, limit: 4095))
        }
        let tiff = Fixtures.url("real_sentinel2_crop.tif") // 40 x 48 x 4 uint16 = 15360 bytes
        XCTAssertNoThrow(try ImageReader.read(tiff, options: ImageReadOptions(maxBytes: 15360)))
        XCTAssertThrowsError(try ImageReader.read(tiff, options: ImageReadOptions(maxBytes: 15359))) { error in
            XCTAssertEqual(error as? ImageIOError, .decodedSizeTooLarge(file: "real_sentinel2_crop.tif", shape: [48, 40, 4], byteSize: 2, limit: 15359))
        }
        XCTAssertThrowsError(try ImageReader.read(Fixtures.url("pnm_gray8.pgm"), options: ImageReadOptions(maxPixels: 1)))
        XCTAssertThrowsError(try ImageReader.read(Fixtures.url("png_gray8.png"), page: 1)) { error in
            XCTAssertEqual(error as? ImageIOError, .pageOutOfRange(file: "png_gray8.png", page: 1, pageCount: 1))
        }
    }

    /// Decoders keep no shared state: parallel decodes (including failing ones, whose libpng and
    /// libtiff messages are captured per call) give the serial results.
    func testConcurrentDecodesMatchSerial() throws {
        let names = ["png_rgb16.png", "png_palette_trns.png", "tiff_uint16_tiled.tif", "tiff_multipage.tif",
                     "real_sentinel2_crop_planar_deflate.tif", "pnm_gray16.pgm"]
        let serial = try names.map { try ImageReader.read(Fixtures.url($0)).bytes }
        let broken = [UInt8]((try Data(contentsOf: Fixtures.url("tiff_uint8_lzw.tif"))).prefix(200))
        let results = ResultBox(count: names.count * 8)
        DispatchQueue.concurrentPerform(iterations: names.count * 8) { i in
            let k = i % names.count
            let ok = (try? ImageReader.read(Fixtures.url(names[k])).bytes) == serial[k]
            let failed: Bool
            do { _ = try TIFFCodec.decode(broken, file: "broken.tif"); failed = false } catch { failed = error is ImageIOError }
            results.set(i, ok && failed)
        }
        XCTAssertTrue(results.all, "a parallel decode differed from the serial one")
    }
}

/// Thread-safe flags for `concurrentPerform`.
private final class ResultBox: @unchecked Sendable {
    private var values: [Bool]
    private let lock = NSLock()
    init(count: Int) { values = Array(repeating: false, count: count) }
    func set(_ i: Int, _ v: Bool) { lock.lock(); values[i] = v; lock.unlock() }
    var all: Bool { lock.lock(); defer { lock.unlock() }; return values.allSatisfy { $0 } }
}
