import Foundation
import XCTest
@testable import ImageIO
import TensorFiles

/// JPEG decoding against Pillow: `scripts/make_jpeg_fixtures.py` saved the fixtures with Pillow and
/// stored Pillow's decode of each (`np.asarray(Image.open(f))`) as NPY. Both run libjpeg-turbo with
/// islow DCT and fancy upsampling, so the samples must be identical (tolerance 0).
final class JPEGDecodeTests: XCTestCase {
    static let dir = Fixtures.root.appendingPathComponent("fixtures/jpeg")
    static func url(_ name: String) -> URL { dir.appendingPathComponent(name) }

    struct Reference: Decodable {
        struct Entry: Decodable {
            var file: String
            var shape: [Int]
            var mode: String
            var progressive: Bool
            var orientation: Int?
            var jfif_density: [Int]?
            /// JFIF units: 0 aspect ratio, 1 dots per inch, 2 dots per cm.
            var jfif_unit: Int?
        }
        struct Stats: Decodable { var count: Int; var sum: Double; var weighted_sum: Double; var samples: [[Double]] }
        struct Real: Decodable { var file: String; var shape: [Int]; var mode: String; var stats: Stats }
        var entries: [Entry]
        var real: [Real]
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url("reference.json")))
    }

    /// Pillow's decode, `[H, W(, C)]` samples flattened.
    static func pillowSamples(_ name: String) throws -> (shape: [Int], values: [Float]) {
        let t = try XCTUnwrap(try TensorFiles.read(url(name.replacingOccurrences(of: ".jpg", with: ".npy"))).tensors.first).tensor
        return (t.shape, t.scalars)
    }

    func testEveryFixtureEqualsPillowExactly() throws {
        let ref = try Self.reference()
        XCTAssertEqual(ref.entries.count, 9)
        for e in ref.entries {
            let image = try ImageReader.read(Self.url(e.file))
            let (shape, expected) = try Self.pillowSamples(e.file)
            XCTAssertEqual(shape, e.shape, e.file)
            XCTAssertEqual([image.height, image.width], Array(shape.prefix(2)), e.file)
            XCTAssertEqual(image.channels, shape.count == 3 ? shape[2] : 1, e.file)
            XCTAssertEqual(image.dtype, .uint8)
            let got = image.bytes.map(Float.init)
            let differing = zip(got, expected).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "\(e.file): \(differing) of \(got.count) samples differ from Pillow")
            let info = try XCTUnwrap(image.info)
            XCTAssertEqual(info.format, .jpeg)
            XCTAssertEqual(info.bitDepth, 8)
            XCTAssertEqual(info.interlaced, e.progressive, e.file)
            XCTAssertEqual(info.orientation, e.orientation, e.file)
            XCTAssertEqual(info.colorModel.hasPrefix("cmyk"), e.mode == "CMYK", e.file)
            let density = e.jfif_density.map { PixelDensity(x: $0[0], y: $0[1], unit: ["aspect", "dpi", "dpcm"][e.jfif_unit ?? 0]) }
            XCTAssertEqual(info.density, density, e.file)
            XCTAssertEqual(try ImageReader.info(Self.url(e.file)), info, "info without decoding agrees: \(e.file)")
        }
    }

    /// Header facts set by the save options in the script.
    func testHeaderFacts() throws {
        let subsampling = ["baseline_420.jpg": "4:2:0", "baseline_444.jpg": "4:4:4", "baseline_422.jpg": "4:2:2",
                           "progressive_420.jpg": "4:2:0", "restart_420.jpg": "4:2:0"]
        for (name, expected) in subsampling {
            XCTAssertEqual(try JPEGCodec.info(Self.url(name)).chromaSubsampling, expected, name)
        }
        let gray = try JPEGCodec.info(Self.url("gray.jpg"))
        XCTAssertEqual(gray.channels, 1)
        XCTAssertEqual(gray.colorModel, "gray")
        XCTAssertNil(gray.chromaSubsampling)
        let rgb = try JPEGCodec.info(Self.url("baseline_420.jpg"))
        XCTAssertEqual(rgb.colorModel, "ycbcr (decoded as rgb)")
        XCTAssertEqual(rgb.density, PixelDensity(x: 1, y: 1, unit: "aspect"))  // Pillow's JFIF default
        XCTAssertEqual(ImageReader.sniff(Self.url("cmyk.jpg")), .jpeg)
        let cmyk = try JPEGCodec.info(Self.url("cmyk.jpg"))
        XCTAssertEqual(cmyk.channels, 4)
        XCTAssertEqual(cmyk.colorModel, "cmyk, adobe-inverted samples re-inverted")
        XCTAssertEqual(try JPEGCodec.info(Self.url("exif_orientation6.jpg")).orientation, 6)
    }

    /// Real data: the visible image of FLIR R-JPEGs (fixtures/thermal) equals Pillow's decode
    /// (statistics and 40 samples), while FLIRFile still reads their radiometric frame.
    func testRealFLIRJPEGVisibleImageEqualsPillow() throws {
        for r in try Self.reference().real {
            let url = Self.dir.appendingPathComponent(r.file)
            let image = try ImageReader.read(url)
            XCTAssertEqual([image.height, image.width, image.channels], r.shape.count == 3 ? r.shape : r.shape + [1], r.file)
            let v = image.bytes.map(Double.init)
            XCTAssertEqual(v.count, r.stats.count)
            XCTAssertEqual(v.reduce(0, +), r.stats.sum, r.file)
            XCTAssertEqual(v.indices.reduce(0.0) { $0 + v[$1] * Double($1 % 97 + 1) }, r.stats.weighted_sum, r.file)
            for s in r.stats.samples { XCTAssertEqual(v[Int(s[0])], s[1], "\(r.file) sample \(Int(s[0]))") }
            XCTAssertEqual(try FLIRFile.frames(contentsOf: url).count, 1, "FLIR reader unaffected: \(r.file)")
        }
    }

    /// 12-bit frames: this libjpeg-turbo decodes 8-bit only, so the SOF precision is refused by name.
    func testTwelveBitIsRefusedByName() throws {
        var bytes = [UInt8](try Data(contentsOf: Self.url("gray.jpg")))
        let sof = try XCTUnwrap((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 4] = 12
        XCTAssertThrowsError(try JPEGCodec.decode(bytes, file: "twelve.jpg")) { error in
            guard case let .unsupported(file, field, value, _)? = error as? ImageIOError else { return XCTFail("\(error)") }
            XCTAssertEqual([file, field, value], ["twelve.jpg", "SOF sample precision", "12 bits"])
        }
    }

    /// Writer round trip on a smooth synthetic gradient (no detail for 4:2:0 or quantisation to
    /// lose): at quality 95 every sample comes back within a few levels; the header reports the
    /// progressive flag and subsampling that were asked for.
    func testWriteRoundTrip() throws {
        let (w, h) = (40, 24)
        var bytes: [UInt8] = []
        for y in 0..<h { for x in 0..<w { bytes += [UInt8(x * 6), UInt8(y * 10), 128] } }
        let source = RawImage(width: w, height: h, channels: 3, dtype: .uint8, bytes: bytes)
        let dir = try TemporaryDirectory()
        for (progressive, fullChroma) in [(false, false), (true, true)] {
            let out = dir.file("rt.jpg")
            try JPEGCodec.write(source, to: out, quality: 95, progressive: progressive, fullChroma: fullChroma)
            let back = try ImageReader.read(out)
            XCTAssertEqual([back.width, back.height, back.channels], [w, h, 3])
            let errors = zip(back.bytes, source.bytes).map { abs(Int($0) - Int($1)) }
            let mean = Double(errors.reduce(0, +)) / Double(errors.count)
            print("JPEG round trip q95 progressive \(progressive) 4:4:4 \(fullChroma): max \(errors.max() ?? 0), mean \(mean)")
            XCTAssertLessThanOrEqual(errors.max() ?? 0, 8, "progressive \(progressive), 4:4:4 \(fullChroma)")
            XCTAssertLessThan(mean, 1.5, "progressive \(progressive), 4:4:4 \(fullChroma)")
            XCTAssertEqual(back.info?.interlaced, progressive)
            XCTAssertEqual(back.info?.chromaSubsampling, fullChroma ? "4:4:4" : "4:2:0")
        }
        let gray = try ImageReader.read(Self.url("gray.jpg"))
        try JPEGCodec.write(gray, to: dir.file("g.jpg"), quality: 100)
        XCTAssertEqual(try ImageReader.read(dir.file("g.jpg")).channels, 1)
        XCTAssertThrowsError(try JPEGCodec.write(gray, to: dir.file("bad.jpg"), quality: 0)) { error in
            XCTAssertEqual(error.localizedDescription, "bad.jpg: JPEG quality: expected 1...100, got 0")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("bad.jpg").path))
    }
}
