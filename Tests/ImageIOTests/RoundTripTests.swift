import Foundation
import XCTest
@testable import ImageIO
import TensorCore

/// Write then read with this library: every supported format × element type × channel count ×
/// layout must give back identical samples.
final class RoundTripTests: XCTestCase {
    /// Random samples; floats are random bit patterns restricted to finite values plus a few
    /// specials, integers cover their whole range.
    static func image(width: Int, height: Int, channels: Int, dtype: DType, seed: UInt64, maxValue: Int? = nil) -> RawImage {
        var rng = TestRandom(seed: seed)
        let n = width * height * channels
        var bytes = rng.bytes(n * dtype.byteSize)
        if let maxValue {
            precondition(dtype == .uint8 || dtype == .uint16)
            for i in 0..<n {
                let v = Int(rng.next() % UInt64(maxValue + 1))
                if dtype == .uint8 { bytes[i] = UInt8(v) } else {
                    bytes.withUnsafeMutableBytes { $0.storeBytes(of: UInt16(v), toByteOffset: i * 2, as: UInt16.self) }
                }
            }
        }
        if dtype.isFloatingPoint {
            // keep NaN payloads out (codecs pass them through, but keep the comparison simple)
            bytes.withUnsafeMutableBytes { raw in
                for i in 0..<n {
                    switch dtype {
                    case .float16:
                        var v = raw.load(fromByteOffset: i * 2, as: UInt16.self)
                        if v & 0x7C00 == 0x7C00 { v &= 0xBFFF }
                        raw.storeBytes(of: v, toByteOffset: i * 2, as: UInt16.self)
                    case .float32:
                        let v = raw.load(fromByteOffset: i * 4, as: Float.self)
                        if !v.isFinite { raw.storeBytes(of: Float(i) - 0.5, toByteOffset: i * 4, as: Float.self) }
                    case .float64:
                        let v = raw.load(fromByteOffset: i * 8, as: Double.self)
                        if !v.isFinite { raw.storeBytes(of: Double(i) * 1e300, toByteOffset: i * 8, as: Double.self) }
                    default: break
                    }
                }
            }
        }
        return RawImage(width: width, height: height, channels: channels, dtype: dtype, bytes: bytes)
    }

    static func assertSame(_ a: RawImage, _ b: RawImage, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual([a.width, a.height, a.channels], [b.width, b.height, b.channels], context, file: file, line: line)
        XCTAssertEqual(a.dtype, b.dtype, context, file: file, line: line)
        XCTAssertTrue(a.bytes == b.bytes, "\(context): samples differ", file: file, line: line)
    }

    func testPNG() throws {
        let dir = try TemporaryDirectory()
        var seed: UInt64 = 1
        for dtype in [DType.uint8, .uint16] {
            for channels in 1...4 {
                for interlaced in [false, true] {
                    seed += 1
                    let image = Self.image(width: 19, height: 11, channels: channels, dtype: dtype, seed: seed)
                    let url = dir.file("rt_\(dtype)_\(channels)_\(interlaced).png")
                    try PNGCodec.write(image, to: url, interlaced: interlaced)
                    let back = try ImageReader.read(url)
                    Self.assertSame(back, image, "PNG \(dtype) c\(channels) interlaced \(interlaced)")
                    XCTAssertEqual(back.info?.interlaced, interlaced)
                }
            }
        }
        for bits in [1, 2, 4] {
            for interlaced in [false, true] {
                seed += 1
                let image = Self.image(width: 13, height: 9, channels: 1, dtype: .uint8, seed: seed, maxValue: (1 << bits) - 1)
                let url = dir.file("rt_gray\(bits)_\(interlaced).png")
                try PNGCodec.write(image, to: url, bitDepth: bits, interlaced: interlaced)
                let back = try PNGCodec.read(url)
                Self.assertSame(back, image, "PNG gray \(bits)-bit interlaced \(interlaced)")
                XCTAssertEqual(back.info?.bitDepth, bits)
            }
        }
        XCTAssertEqual(dir.contents().filter { $0.hasPrefix(".") }, [], "temporary files left behind")
    }

    func testTIFFEveryTypeChannelCountLayoutAndCompression() throws {
        let dir = try TemporaryDirectory()
        var seed: UInt64 = 100
        let layouts: [(String, TIFFCodec.WriteOptions)] = [
            ("strips", .init(rowsPerStrip: 4)),
            ("planar strips", .init(planar: true, rowsPerStrip: 5)),
            ("tiles", .init(tileWidth: 16, tileHeight: 32)),
            ("planar tiles", .init(tileWidth: 32, tileHeight: 16, planar: true)),
        ]
        for dtype in TIFFCodec.writableTypes {
            for channels in [1, 3, 4, 5] {
                for (name, layout) in layouts {
                    for compression in TIFFCodec.Compression.allCases {
                        seed += 1
                        let image = Self.image(width: 37, height: 21, channels: channels, dtype: dtype, seed: seed)
                        var options = layout
                        options.compression = compression
                        let url = dir.file("rt.tif")
                        try TIFFCodec.write(image, to: url, options: options)
                        let back = try ImageReader.read(url)
                        let context = "TIFF \(dtype) c\(channels) \(name) \(compression)"
                        Self.assertSame(back, image, context)
                        XCTAssertEqual(back.info?.compression, compression.rawValue, context)
                        XCTAssertEqual(back.info?.tiled, layout.tileWidth != nil, context)
                        XCTAssertEqual(back.info?.planar, layout.planar && channels > 1, context)
                    }
                }
            }
        }
    }

    func testTIFFMultiPageAndBigTIFF() throws {
        let dir = try TemporaryDirectory()
        let pages = [Self.image(width: 5, height: 4, channels: 1, dtype: .uint8, seed: 7),
                     Self.image(width: 33, height: 17, channels: 3, dtype: .float32, seed: 8),
                     Self.image(width: 2, height: 9, channels: 2, dtype: .int16, seed: 9)]
        for big in [false, true] {
            let url = dir.file("pages\(big).tif")
            try TIFFCodec.write(pages: pages, to: url, options: .init(compression: .deflate, bigTIFF: big))
            XCTAssertEqual(try TIFFCodec.pageCount(url), 3)
            XCTAssertEqual(ImageReader.sniff(url), big ? .bigTIFF : .tiff)
            for (k, page) in pages.enumerated() {
                Self.assertSame(try ImageReader.read(url, page: k), page, "page \(k) bigTIFF \(big)")
            }
            XCTAssertThrowsError(try ImageReader.read(url, page: 3)) { error in
                XCTAssertEqual(error as? ImageIOError, .pageOutOfRange(file: url.lastPathComponent, page: 3, pageCount: 3))
            }
        }
    }

    func testPNM() throws {
        let dir = try TemporaryDirectory()
        var seed: UInt64 = 500
        for (dtype, maxval) in [(DType.uint8, 255), (.uint8, 100), (.uint16, 65535), (.uint16, 4095), (.uint16, 256)] {
            for channels in [1, 3] {
                for ascii in [false, true] {
                    seed += 1
                    let image = Self.image(width: 10, height: 7, channels: channels, dtype: dtype, seed: seed, maxValue: maxval)
                    let url = dir.file("rt.\(channels == 1 ? "pgm" : "ppm")")
                    try PNMCodec.write(image, to: url, maxval: maxval, ascii: ascii)
                    let back = try ImageReader.read(url)
                    let context = "PNM \(dtype) maxval \(maxval) c\(channels) ascii \(ascii)"
                    Self.assertSame(back, image, context)
                    XCTAssertEqual(back.info?.maxval, maxval, context)
                }
            }
        }
        // 16-bit binary samples are big-endian in the file
        let one = RawImage(width: 1, height: 1, channels: 1, dtype: .uint16, bytes: withUnsafeBytes(of: UInt16(0x0102)) { Array($0) })
        let url = dir.file("be.pgm")
        try PNMCodec.write(one, to: url)
        XCTAssertEqual(Array(try Data(contentsOf: url).suffix(2)), [0x01, 0x02])
    }

    func testRawBinaryEveryTypeEndiannessAndLayout() throws {
        let dir = try TemporaryDirectory()
        var seed: UInt64 = 900
        for dtype in DType.allCases {
            for littleEndian in [true, false] {
                for layout in [RawImageSpec.Layout.interleaved, .planar] {
                    for offset in [0, 17] {
                        seed += 1
                        let image = Self.image(width: 6, height: 5, channels: 3, dtype: dtype, seed: seed)
                        let spec = RawImageSpec(width: 6, height: 5, channels: 3, dtype: dtype, littleEndian: littleEndian,
                                                byteOffset: offset, layout: layout)
                        let url = dir.file("rt.raw")
                        try RawBinaryCodec.write(image, to: url, spec: spec)
                        let context = "raw \(dtype) le \(littleEndian) \(layout) offset \(offset)"
                        XCTAssertEqual(try Data(contentsOf: url).count, offset + image.bytes.count, context)
                        Self.assertSame(try RawBinaryCodec.read(url, spec: spec), image, context)
                    }
                }
            }
        }
    }

    /// Raw layout checked against bytes built by hand: planar big-endian uint16.
    func testRawBinaryAgainstHandBuiltBytes() throws {
        // 2x1 pixels, 2 channels: pixel0 = (1, 2), pixel1 = (3, 0x0405); planar: c0 = [1, 3], c1 = [2, 0x0405]
        let file: [UInt8] = [0xAA, 0, 1, 0, 3, 0, 2, 4, 5]
        let image = try RawBinaryCodec.decode(file, spec: .init(width: 2, height: 1, channels: 2, dtype: .uint16, littleEndian: false,
                                                               byteOffset: 1, layout: .planar), file: "hand.raw")
        XCTAssertEqual(image.toTensor().shape, [2, 1, 2])
        let values = image.bytes.withUnsafeBytes { raw in (0..<4).map { raw.load(fromByteOffset: $0 * 2, as: UInt16.self) } }
        XCTAssertEqual(values, [1, 2, 3, 0x0405])
    }

    /// A failed write leaves the destination as it was and no temporary file behind.
    func testFailedWritesLeaveNoFile() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("keep.png")
        let good = Self.image(width: 4, height: 4, channels: 1, dtype: .uint8, seed: 1)
        try PNGCodec.write(good, to: url)
        let before = try Data(contentsOf: url)
        let bad = Self.image(width: 4, height: 4, channels: 1, dtype: .uint8, seed: 2) // values > 3
        XCTAssertThrowsError(try PNGCodec.write(bad, to: url, bitDepth: 2))
        XCTAssertThrowsError(try TIFFCodec.write(good, to: dir.file("t.tif"), options: .init(tileWidth: 15, tileHeight: 16)))
        XCTAssertThrowsError(try TIFFCodec.write(RawImage(width: 1, height: 1, channels: 1, dtype: .bool, bytes: [1]), to: dir.file("b.tif")))
        XCTAssertThrowsError(try PNMCodec.write(bad, to: dir.file("x.pgm"), maxval: 10))
        XCTAssertThrowsError(try PNGCodec.write(good, to: dir.file("missing/dir/x.png"))) { error in
            XCTAssertNotNil(error as? ImageIOError)
        }
        XCTAssertThrowsError(try TIFFCodec.write(good, to: dir.file("missing/dir/x.tif"))) { error in
            XCTAssertNotNil(error as? ImageIOError)
        }
        XCTAssertEqual(try Data(contentsOf: url), before)
        XCTAssertEqual(dir.contents(), ["keep.png"])
    }
}
