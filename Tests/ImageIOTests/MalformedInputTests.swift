import Foundation
import XCTest
@testable import ImageIO

/// Malformed input must give an `ImageIOError`: never a crash, a hang or an untyped error.
/// The corpus is generated here from committed fixtures (nothing malformed is committed).
final class MalformedInputTests: XCTestCase {
    /// Real fixture files of every format and several layouts.
    static let sources = [
        "png_gray8.png", "png_rgb16.png", "png_rgb8_adam7.png", "png_palette4.png", "png_gray1.png", "real_polarizer_crop.png",
        "tiff_uint8_c1.tif", "tiff_uint16_tiled.tif", "tiff_uint8_lzw.tif", "tiff_int16_planar_tiled.tif",
        "tiff_multipage.tif", "tiff_float64_c1_be.tif", "tiff_uint16_bigtiff.tif", "real_sentinel2_crop_planar_deflate.tif",
        "tiff_bilevel.tif", "pnm_gray8.pgm", "pnm_gray16.pgm", "pnm_rgb8.ppm", "pnm_ascii.pgm", "pnm_ascii.ppm",
    ]

    /// Decodes `bytes` as `ImageReader` would, by format.
    static func decode(_ bytes: [UInt8], name: String, page: Int = 0) throws -> RawImage {
        let format = try ImageReader.detect(bytes, file: name)
        switch format {
        case .png: return try PNGCodec.decode(bytes, file: name)
        case .jpeg: return try JPEGCodec.decode(bytes, file: name)
        case .tiff, .bigTIFF: return try TIFFCodec.decode(bytes, page: page, file: name)
        case .pnm: return try PNMCodec.decode(bytes, file: name)
        case .raw: throw ImageIOError.unknownFormat(file: name, magic: "raw")
        }
    }

    /// Decodes pages `0..<pageCount`; the first failure is thrown.
    static func decodeAllPages(_ bytes: [UInt8], name: String, pageCount: Int) throws {
        for page in 0..<pageCount { _ = try decode(bytes, name: name, page: page) }
    }

    static func pageCount(_ name: String) throws -> Int {
        name.hasSuffix(".tif") ? try TIFFCodec.pageCount(Fixtures.url(name)) : 1
    }

    func testTruncationsAtEverySixteenthFail() throws {
        for name in Self.sources {
            let bytes = [UInt8](try Data(contentsOf: Fixtures.url(name)))
            let pages = try Self.pageCount(name)
            XCTAssertNoThrow(try Self.decodeAllPages(bytes, name: name, pageCount: pages), "\(name) intact")
            for k in 0..<16 {
                let cut = Array(bytes.prefix(bytes.count * k / 16))
                do {
                    // some page of the original must be lost
                    try Self.decodeAllPages(cut, name: name, pageCount: pages)
                    XCTFail("\(name) truncated to \(cut.count) of \(bytes.count) bytes decoded without error")
                } catch let error as ImageIOError {
                    XCTAssertTrue(error.localizedDescription.hasPrefix(name + ":"), "message names the file: \(error.localizedDescription)")
                } catch {
                    XCTFail("\(name) truncated to \(cut.count): untyped error \(error)")
                }
            }
        }
    }

    /// Flipping any byte of a PNG's signature, IHDR or its CRC must fail (the CRC covers IHDR);
    /// flipping a TIFF or PNM magic byte must fail. Other header flips may yield a valid file:
    /// they must give an image or an ImageIOError.
    func testFlippedHeaderBytes() throws {
        for name in Self.sources {
            let bytes = [UInt8](try Data(contentsOf: Fixtures.url(name)))
            let pages = try Self.pageCount(name)
            // PNM: byte 1 may turn into another valid kind ("P5" -> "P4"), so only "P" must fail.
            let mustFail: Range<Int> = name.hasSuffix(".png") ? 0..<33 : (name.hasSuffix(".tif") ? 0..<4 : 0..<1)
            for i in 0..<min(bytes.count, 64) {
                for mask: UInt8 in [0xFF, 0x01] {
                    var flipped = bytes
                    flipped[i] ^= mask
                    do {
                        try Self.decodeAllPages(flipped, name: name, pageCount: pages)
                        if mustFail.contains(i) {
                            XCTFail("\(name): flipping byte \(i) with \(mask) still decoded")
                        }
                    } catch is ImageIOError {
                        // expected or acceptable
                    } catch {
                        XCTFail("\(name): flipping byte \(i): untyped error \(error)")
                    }
                }
            }
        }
    }

    /// Random byte corruptions anywhere in the file (headers, tags, compressed streams): each
    /// decode must end in an image or an ImageIOError. Seeded; `AIMS_FUZZ_ITERATIONS` raises the
    /// count for a longer local run.
    func testRandomCorruptionsNeverCrash() throws {
        let iterations = Int(ProcessInfo.processInfo.environment["AIMS_FUZZ_ITERATIONS"] ?? "") ?? 30
        var rng = TestRandom(seed: 2026)
        for name in Self.sources {
            let bytes = [UInt8](try Data(contentsOf: Fixtures.url(name)))
            let pages = try Self.pageCount(name)
            for _ in 0..<iterations {
                var mutated = bytes
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let at = Int(rng.next() % UInt64(bytes.count))
                    mutated[at] = UInt8(truncatingIfNeeded: rng.next())
                }
                do {
                    try Self.decodeAllPages(mutated, name: name, pageCount: pages)
                } catch is ImageIOError {
                } catch {
                    XCTFail("\(name): untyped error \(error)")
                }
            }
        }
    }

    func testRandomGarbageAndWrongMagic() throws {
        var rng = TestRandom(seed: 42)
        for n in [0, 1, 3, 7, 8, 64, 1000] {
            let junk = rng.bytes(n)
            XCTAssertThrowsError(try Self.decode(junk, name: "junk.bin")) { XCTAssertNotNil($0 as? ImageIOError) }
        }
        let dir = try TemporaryDirectory()
        let url = dir.file("fake.png")
        try Data("GIF89a not a png".utf8).write(to: url)
        XCTAssertNil(ImageReader.sniff(url))
        XCTAssertThrowsError(try ImageReader.read(url)) { error in
            guard case .unknownFormat(let file, _)? = error as? ImageIOError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "fake.png")
        }
        // A TIFF handed to the PNG decoder: signature error naming the field.
        let tiff = [UInt8](try Data(contentsOf: Fixtures.url("tiff_uint8_c1.tif")))
        XCTAssertThrowsError(try PNGCodec.decode(tiff, file: "t.png")) { error in
            XCTAssertTrue(error.localizedDescription.hasPrefix("t.png: PNG signature: expected 89 50 4E 47"), error.localizedDescription)
        }
        XCTAssertThrowsError(try TIFFCodec.decode(Array("P5 1 1 255 x".utf8), file: "p.tif")) { XCTAssertNotNil($0 as? ImageIOError) }
        XCTAssertThrowsError(try ImageReader.read(dir.file("absent.tif"))) { error in
            guard case .io? = error as? ImageIOError else { return XCTFail("\(error)") }
        }
    }

    // MARK: PNG headers built by hand (valid CRCs, so only the field is wrong)

    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c >> 1) ^ (0xEDB8_8320 & (0 &- (c & 1))) }
        }
        return ~c
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc32(body[...]))
    }

    /// A PNG with the given IHDR fields and one small (wrong-sized) IDAT.
    static func png(width: UInt32, height: UInt32, depth: UInt8 = 8, colorType: UInt8 = 0) -> [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", be32(width) + be32(height) + [depth, colorType, 0, 0, 0])
            + chunk("IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01])
            + chunk("IEND", [])
    }

    func testPNGFieldErrors() {
        func message(_ bytes: [UInt8], options: ImageReadOptions = .standard) -> String {
            do { _ = try PNGCodec.decode(bytes, file: "foo.png", options: options); return "decoded" }
            catch let e as ImageIOError { return e.localizedDescription }
            catch { return "untyped \(error)" }
        }
        XCTAssertEqual(message(Self.png(width: 0, height: 5)), "foo.png: IHDR width: expected 1...2147483647, got 0")
        XCTAssertEqual(message(Self.png(width: 5, height: 0)), "foo.png: IHDR height: expected 1...2147483647, got 0")
        XCTAssertEqual(message(Self.png(width: 0x8000_0000, height: 1)), "foo.png: IHDR width: expected 1...2147483647, got 2147483648")
        XCTAssertEqual(message(Self.png(width: 4, height: 4, depth: 3)), "foo.png: IHDR bit depth: expected 1, 2, 4, 8, 16 for colour type 0, got 3")
        XCTAssertEqual(message(Self.png(width: 4, height: 4, colorType: 5)), "foo.png: IHDR colour type: expected 0, 2, 3, 4 or 6, got 5")
        // claims 2^17 x 2^12 = 2^29 pixels: over the default 2^28 limit, rejected before allocation
        let huge = Self.png(width: 1 << 17, height: 1 << 12)
        XCTAssertTrue(message(huge).hasPrefix("foo.png: image size: expected at most 268435456 pixels, got 131072x4096"), message(huge))
        // with the limit lifted, the tiny file cannot hold the claimed pixels: still an error, no huge allocation
        XCTAssertTrue(message(huge, options: .allowHugeImages).contains("IDAT data"), message(huge, options: .allowHugeImages))
        // a well-formed header with a wrong-sized image stream: libpng's error, captured
        XCTAssertTrue(message(Self.png(width: 4, height: 4)).hasPrefix("foo.png: libpng: "), message(Self.png(width: 4, height: 4)))
        // the same header with a correct stream decodes (the builder is sound)
        var ok = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Self.chunk("IHDR", Self.be32(1) + Self.be32(1) + [8, 0, 0, 0, 0])
        ok += Self.chunk("IDAT", [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01]) + Self.chunk("IEND", [])
        XCTAssertEqual(message(ok), "decoded")
    }

    /// An ancillary chunk with a bad CRC is a libpng warning: the image decodes, the warning is
    /// captured in `info.warning` (not printed); a critical chunk with a bad CRC is an error.
    func testPNGWarningsAreCapturedAndCriticalCRCErrorsFail() throws {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.url("png_gray8.png")))
        var text = Self.chunk("tEXt", Array("Comment\u{0}hello".utf8))
        text[text.count - 1] ^= 0xFF
        let withBadText = Array(bytes[0..<33]) + text + Array(bytes[33...])
        let image = try PNGCodec.decode(withBadText, file: "w.png")
        XCTAssertEqual(image.bytes, try PNGCodec.decode(bytes, file: "w.png").bytes)
        XCTAssertNotNil(image.info?.warning, "libpng's CRC warning should be captured")
        XCTAssertTrue(image.info?.warning?.contains("CRC") ?? false, image.info?.warning ?? "")

        // flip the last CRC byte of the first IDAT chunk
        var i = 33
        while i + 8 <= bytes.count {
            let length = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            if Array(bytes[(i + 4)..<(i + 8)]) == Array("IDAT".utf8) {
                var broken = bytes
                broken[i + 8 + length + 3] ^= 0xFF
                XCTAssertThrowsError(try PNGCodec.decode(broken, file: "c.png")) { error in
                    XCTAssertTrue(error.localizedDescription.hasPrefix("c.png: libpng: "), error.localizedDescription)
                }
                return
            }
            i += 12 + length
        }
        XCTFail("no IDAT found")
    }

    /// libtiff's own error text is captured per handle and carried in the error.
    func testLibTIFFMessagesAreCaptured() throws {
        let lzw = [UInt8]((try Data(contentsOf: Fixtures.url("tiff_uint8_lzw.tif"))).prefix(200))
        XCTAssertThrowsError(try TIFFCodec.decode(lzw, file: "l.tif")) { error in
            guard case let .codec(file, library, message)? = error as? ImageIOError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "l.tif")
            XCTAssertEqual(library, "libtiff")
            XCTAssertTrue(message.hasPrefix("strip 0: expected "), message)
            XCTAssertTrue(message.contains("(") && message.hasSuffix(")"), "libtiff's reason is appended: \(message)")
        }
        let plain = [UInt8]((try Data(contentsOf: Fixtures.url("real_sentinel2_crop.tif"))).prefix(9000))
        XCTAssertThrowsError(try TIFFCodec.decode(plain, file: "s.tif")) { error in
            XCTAssertEqual(error as? ImageIOError, .truncated(file: "s.tif", field: "image data (none)", expectedBytes: 15360, availableBytes: 9000))
        }
    }

    // MARK: TIFF tags patched in a real fixture

    /// `bytes` with the SHORT/LONG value of `tag` in the first IFD of a little-endian classic TIFF replaced.
    static func patchTag(_ bytes: [UInt8], tag: UInt16, value: UInt32) -> [UInt8] {
        var b = bytes
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        precondition(b[0] == 0x49 && b[2] == 42, "little-endian classic TIFF expected")
        let ifd = u32(4)
        for e in 0..<u16(ifd) {
            let o = ifd + 2 + 12 * e
            guard u16(o) == Int(tag) else { continue }
            if u16(o + 2) == 3 { b[o + 8] = UInt8(value & 0xFF); b[o + 9] = UInt8(value >> 8 & 0xFF) } else {
                for k in 0..<4 { b[o + 8 + k] = UInt8(value >> (8 * UInt32(k)) & 0xFF) }
            }
            return b
        }
        preconditionFailure("tag \(tag) not in IFD")
    }

    func testTIFFFieldErrors() throws {
        let base = [UInt8](try Data(contentsOf: Fixtures.url("tiff_uint8_c1.tif")))
        func error(_ bytes: [UInt8]) -> ImageIOError? {
            do { _ = try TIFFCodec.decode(bytes, file: "bar.tif"); return nil } catch { return error as? ImageIOError }
        }
        // zero width: libtiff refuses the directory while opening; its reason is carried
        guard case .codec("bar.tif", "libtiff", let reason)? = error(Self.patchTag(base, tag: 256, value: 0)) else {
            return XCTFail("zero ImageWidth must fail in libtiff")
        }
        XCTAssertFalse(reason.isEmpty)
        // huge: 2^16 x 2^13 = 2^29 pixels claimed
        let huge = error(Self.patchTag(Self.patchTag(base, tag: 256, value: 1 << 16), tag: 257, value: 1 << 13))
        XCTAssertEqual(huge, .tooLarge(file: "bar.tif", width: 1 << 16, height: 1 << 13, limit: 1 << 28))
        // unsupported sample format: 12 bits per sample
        let twelve = error(Self.patchTag(base, tag: 258, value: 12))
        guard case .unsupported(_, let field, let value, _)? = twelve else { return XCTFail("12-bit: \(String(describing: twelve))") }
        XCTAssertEqual(field, "SampleFormat/BitsPerSample")
        XCTAssertEqual(value, "uint 12-bit")
        // complex integers (SampleFormat 5) are unsupported
        let float64 = [UInt8](try Data(contentsOf: Fixtures.url("tiff_float64_c1.tif")))
        guard case .unsupported? = error(Self.patchTag(float64, tag: 339, value: 5)) else { return XCTFail("complex sample format accepted") }
    }

    func testPNMFieldErrors() {
        func message(_ s: String) -> String {
            do { _ = try PNMCodec.decode(Array(s.utf8), file: "baz.pgm"); return "decoded" }
            catch let e as ImageIOError { return e.localizedDescription }
            catch { return "untyped \(error)" }
        }
        XCTAssertEqual(message("P5 0 4 255\n"), "baz.pgm: width: expected 1...2147483647, got 0")
        XCTAssertEqual(message("P5 4 4 70000\n"), "baz.pgm: maxval: expected 1...65535, got 70000")
        XCTAssertTrue(message("P5 65536 8192 255\n").hasPrefix("baz.pgm: image size: expected at most 268435456 pixels"))
        XCTAssertEqual(message("P2 2 1 10\n3 11\n"), "baz.pgm: sample 1: expected 0...10, got 11")
        XCTAssertEqual(message("P5 2 1 10\n\u{3}\u{B}"), "baz.pgm: sample value: expected 0...10 (maxval), got 11")
        XCTAssertEqual(message("P5 2 2 255\nabc"), "baz.pgm: P5 raster: truncated: expected 4 bytes, got 3")
        XCTAssertEqual(message("P2 2 x 255\n"), "baz.pgm: height: expected a decimal integer, got byte 0x78")
        XCTAssertEqual(message("P1 3 1\n1 0 1"), "decoded")
    }
}
