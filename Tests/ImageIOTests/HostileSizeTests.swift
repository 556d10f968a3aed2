import Foundation
import TensorFiles
import XCTest
@testable import ImageIO

/// Small image and volume files, built here, that declare absurd sizes or hide a decompression bomb: each is
/// refused with a typed error naming the file and the field before memory of that size is allocated
/// (docs/RELIABILITY.md, "Limits"). The limits are `ReadLimits.maxDecodedBytes` (2 GiB unless
/// `AIMS_MAX_DECODED_MB` says otherwise) and what the file's own bytes can hold.
final class HostileSizeTests: XCTestCase {
    static func be32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (24 - 8 * $0)) & 0xFF) } }
    static func le(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    /// CRC-32 (ISO 3309, as PNG chunks use it).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(Int(crc32(body)))
    }

    /// A well-formed 8-bit grey PNG header declaring `width` x `height`, with a token IDAT: about 1 KB.
    static func png(width: Int, height: Int) throws -> [UInt8] {
        let ihdr = be32(width) + be32(height) + [8, 0, 0, 0, 0]
        let idat = try Deflate.gzip([UInt8](repeating: 0, count: 900), file: "t")  // any bytes: never inflated
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", idat)
            + [UInt8](repeating: 0, count: 64) + chunk("IEND", [])
    }

    /// A little-endian baseline TIFF of one 8-bit grey strip declaring `width` x `height`: about 1 KB.
    static func tiff(width: Int, height: Int) -> [UInt8] {
        let tags: [(tag: Int, type: Int, value: Int)] = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
                                                         (273, 4, 1024), (277, 3, 1), (278, 4, height), (279, 4, 16)]
        var b: [UInt8] = [0x49, 0x49, 42, 0] + le(8, 4) + le(tags.count, 2)
        for t in tags { b += le(t.tag, 2) + le(t.type, 2) + le(1, 4) + le(t.value, 4) }
        b += le(0, 4)
        return b + [UInt8](repeating: 0x55, count: 1040 - b.count)
    }

    func testPNGAndTIFFDeclaring100000Squared() throws {
        for (name, bytes) in [("huge.png", try Self.png(width: 100_000, height: 100_000)), ("huge.tif", Self.tiff(width: 100_000, height: 100_000))] {
            XCTAssertLessThan(bytes.count, 1100, name)
            XCTAssertThrowsError(try ImageReader.decode(bytes, file: name)) { error in
                XCTAssertEqual(error as? ImageIOError, .tooLarge(file: name, width: 100_000, height: 100_000, limit: ImageReadOptions.defaultMaxPixels))
                XCTAssertTrue((error as? ImageIOError)?.errorDescription?.hasPrefix("\(name): image size: expected at most") ?? false)
            }
            // Below the pixel limit but far beyond what ~1 KB can hold: refused from the file size, not allocated.
            XCTAssertThrowsError(try ImageReader.decode(name.hasSuffix("png") ? try Self.png(width: 16000, height: 16000)
                                                        : Self.tiff(width: 16000, height: 16000), file: name)) { error in
                guard let e = error as? ImageIOError else { return XCTFail("\(error)") }
                switch e {
                case .truncated(let file, _, _, _), .invalidField(let file, _, _, _), .codec(let file, _, _): XCTAssertEqual(file, name)
                default: XCTFail("\(name): \(e)")
                }
            }
        }
        // The header alone is still readable (aims inspect shows what the file claims).
        XCTAssertEqual(try ImageReader.info(try Self.png(width: 100_000, height: 100_000), file: "huge.png").width, 100_000)
    }

    /// A 540-byte NIfTI-2 header (little-endian) of `dims` voxels of `datatype`/`bitpix`, voxels at byte 544.
    static func nifti2(dims: [Int], datatype: Int = 2, bitpix: Int = 8) -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 544)
        func put(_ bytes: [UInt8], _ at: Int) { h.replaceSubrange(at..<(at + bytes.count), with: bytes) }
        put(le(540, 4), 0)
        put(Array("n+2\0\r\n\u{1A}\n".utf8), 4)
        put(le(datatype, 2), 12)
        put(le(bitpix, 2), 14)
        put(le(dims.count, 8), 16)
        for (k, d) in dims.enumerated() { put(le(d, 8), 24 + 8 * k) }
        for k in 0..<8 { put(le(Int(Double(1).bitPattern), 8), 104 + 8 * k) }
        put(le(544, 8), 168)
        return h
    }

    func testNIfTIWithDimensionsOfAMillionEach() throws {
        let bytes = Self.nifti2(dims: [1_000_000, 1_000_000, 1_000_000]) + [UInt8](repeating: 0, count: 456)
        XCTAssertThrowsError(try NIfTIVolume(data: Data(bytes), file: "million.nii")) { error in
            guard case .invalidField("million.nii", "dim", let expected, let got)? = error as? ImageIOError else { return XCTFail("\(error)") }
            XCTAssertEqual(expected, "at most \(ReadLimits.describe()) of voxels")
            XCTAssertEqual(got, "[1000000, 1000000, 1000000] uint8 = 1000000000000000000 bytes")
        }
        // Seven axes of 2^24 (the header's largest extent): the product overflows Int.
        let overflow = Self.nifti2(dims: [Int](repeating: 1 << 24, count: 7), datatype: 16, bitpix: 32)
        XCTAssertThrowsError(try NIfTIVolume(data: Data(overflow), file: "overflow.nii")) { error in
            guard case .invalidField("overflow.nii", "dim", _, let got)? = error as? ImageIOError else { return XCTFail("\(error)") }
            XCTAssertTrue(got.hasSuffix("more than Int.max bytes"), got)
        }
    }

    /// A gzip-compressed NIfTI-1 of `nx × ny × nz` uint8 voxels whose value is `(x + y + z) % 251`.
    func gzippedVolume(_ nx: Int, _ ny: Int, _ nz: Int, to url: URL) throws {
        var voxels = [UInt8](repeating: 0, count: nx * ny * nz)
        for z in 0..<nz { for y in 0..<ny { for x in 0..<nx { voxels[(z * ny + y) * nx + x] = UInt8((x + y + z) % 251) } } }
        let template = NIfTIHeader(version: 1, littleEndian: true, dimensions: [nx, ny, nz], datatype: 2, bitpix: 8, voxelSize: [1, 1, 1],
                                   voxelOffset: 352, sclSlope: 1, sclInter: 0, magic: "n+1")
        try NIfTIWriter.write(RawVolume(dims: [nz, ny, nx], dtype: .uint8, bytes: voxels), like: template, to: url)
    }

    func testGzippedVolumeStreamsIntoItsVoxelsAndObeysTheLimit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aims-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("v.nii.gz")
        try gzippedVolume(160, 128, 96, to: url)  // 1,966,080 voxels
        let volume = try NIfTIVolume(contentsOf: url)
        XCTAssertEqual(volume.voxels.dims, [96, 128, 160])
        for (x, y, z) in [(0, 0, 0), (159, 127, 95), (17, 99, 42)] {
            XCTAssertEqual(volume.voxels.bytes[(z * 128 + y) * 160 + x], UInt8((x + y + z) % 251))
        }
        // Streamed statistics equal those of the whole array.
        var sum = 0.0, count = 0
        volume.forEachScaledChunk(1000) { chunk in for v in chunk { sum += Double(v) }; count += chunk.count }
        XCTAssertEqual(count, 1_966_080)
        XCTAssertEqual(sum, Double(volume.voxels.bytes.reduce(0) { $0 + Int($1) }))
        // One byte under the voxels' size: a typed error naming the field, before allocating them.
        XCTAssertThrowsError(try NIfTIVolume(contentsOf: url, limit: 1_966_079)) { error in
            guard case .invalidField("v.nii.gz", "dim", _, let got)? = error as? ImageIOError else { return XCTFail("\(error)") }
            XCTAssertEqual(got, "[160, 128, 96] uint8 = 1966080 bytes")
        }
        XCTAssertNoThrow(try NIfTIVolume(contentsOf: url, limit: 1_966_080))
    }

    func testShortGzipClaimingAGigabyteAndAGzipBomb() throws {
        // A 1 KB .nii.gz whose header declares 1024^3 uint8 (1 GiB): the compressed bytes cannot hold it
        // (DEFLATE expands at most 1032:1), so it is refused before the gigabyte is allocated.
        var header = Self.nifti2(dims: [1024, 1024, 1024])
        header += [UInt8](repeating: 7, count: 4096)
        let gz = try Deflate.gzip(header, file: "t")
        XCTAssertLessThan(gz.count, 1024)
        XCTAssertThrowsError(try NIfTIVolume(data: Data(gz), file: "claim.nii.gz")) { error in
            guard case .truncated("claim.nii.gz", let field, 1 << 30, let available)? = error as? ImageIOError else { return XCTFail("\(error)") }
            XCTAssertTrue(field.hasPrefix("voxel data ([1024, 1024, 1024] uint8)"), field)
            XCTAssertLessThan(available, 1 << 20)
        }
        // A gzip bomb: 16 MiB of zeros in ~16 KB; inflating stops at the limit with a typed error.
        let bomb = try Deflate.gzip([UInt8](repeating: 0, count: 16 << 20), level: 9, file: "t")
        XCTAssertLessThan(bomb.count, 32 << 10)
        XCTAssertThrowsError(try Inflate.decompress(bomb, container: .gzip, maxOutput: 1 << 20, file: "bomb.gz")) { error in
            XCTAssertEqual(error as? ImageIOError, .invalidField(file: "bomb.gz", field: "decompressed size",
                                                                 expected: "at most \(ReadLimits.describe(1 << 20))", got: "more"))
        }
        XCTAssertEqual(try Inflate.decompress(bomb, container: .gzip, maxOutput: 16 << 20, file: "bomb.gz").count, 16 << 20)
    }

    func testDICOMElementLengthRunningPastTheFile() throws {
        // Part 10 preamble, explicit VR little endian meta group, then Rows and a PixelData (OW) claiming 2 GB.
        func element(_ g: Int, _ e: Int, _ vr: String, _ value: [UInt8]) -> [UInt8] {
            Self.le(g, 2) + Self.le(e, 2) + Array(vr.utf8) + Self.le(value.count, 2) + value
        }
        let uid = Array("1.2.840.10008.1.2.1\0".utf8)
        var bytes = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + element(0x0002, 0x0010, "UI", uid)
        bytes += element(0x0028, 0x0010, "US", Self.le(4, 2)) + element(0x0028, 0x0011, "US", Self.le(4, 2))
        bytes += Self.le(0x7FE0, 2) + Self.le(0x0010, 2) + Array("OW".utf8) + [0, 0] + Self.le(0x7FFF_FFF0, 4) + [1, 2, 3, 4]
        XCTAssertThrowsError(try DICOMImage(bytes: bytes, file: "long.dcm")) { error in
            guard case .truncated("long.dcm", let field, 0x7FFF_FFF0, 4)? = error as? ImageIOError else { return XCTFail("\(error)") }
            XCTAssertTrue(field.hasPrefix("(7FE0,0010) value (2147483632 bytes)"), field)
        }
    }

    /// A Part 10 file (explicit VR little endian) with the given data elements after the meta group.
    static func dicom(_ elements: [(group: Int, element: Int, vr: String, value: [UInt8])]) -> [UInt8] {
        func element(_ g: Int, _ e: Int, _ vr: String, _ value: [UInt8]) -> [UInt8] {
            le(g, 2) + le(e, 2) + Array(vr.utf8) + le(value.count, 2) + value
        }
        var bytes = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + element(0x0002, 0x0010, "UI", Array("1.2.840.10008.1.2.1\0".utf8))
        for e in elements { bytes += element(e.group, e.element, e.vr, e.value) }
        return bytes
    }

    func testDICOMFrameCountsThatAreNotNumbersOrTooMany() throws {
        func frames(_ text: String, rows: Int = 512) -> [UInt8] {
            let padded = text.utf8.count % 2 == 0 ? text : text + " "
            return Self.dicom([(0x0028, 0x0008, "IS", Array(padded.utf8)), (0x0028, 0x0010, "US", Self.le(rows, 2)),
                               (0x0028, 0x0011, "US", Self.le(512, 2)), (0x0028, 0x0100, "US", Self.le(16, 2))])
        }
        // Text that is no frame count: a typed error, not a trap converting it to Int.
        for text in ["NaN", "1e400", "-inf", "4000000000", "-2"] {
            XCTAssertThrowsError(try DICOMImage(bytes: frames(text), file: "f.dcm"), text) { error in
                XCTAssertEqual(error as? ImageIOError, .invalidField(file: "f.dcm", field: "NumberOfFrames (0028,0008)", expected: "0...2147483647",
                                                                     got: text), text)
            }
        }
        // 100,000 frames of 512 x 512 x 16 bits: 52 GB, refused before the pixel data is read.
        XCTAssertThrowsError(try DICOMImage(bytes: frames("100000"), file: "f.dcm")) { error in
            XCTAssertEqual(error as? ImageIOError, .decodedSizeTooLarge(file: "f.dcm", shape: [100_000, 512, 512, 1], byteSize: 2,
                                                                       limit: ReadLimits.maxDecodedBytes))
        }
        // 2^31 - 1 frames of 65535 x 512: the product overflows Int64 at 8 bytes a sample; same error.
        let huge = Self.dicom([(0x0028, 0x0008, "IS", Array("2147483647".utf8)), (0x0028, 0x0010, "US", Self.le(65535, 2)),
                               (0x0028, 0x0011, "US", Self.le(65535, 2)), (0x0028, 0x0100, "US", Self.le(64, 2))])
        XCTAssertThrowsError(try DICOMImage(bytes: huge, file: "h.dcm")) { error in
            guard case .decodedSizeTooLarge("h.dcm", [2_147_483_647, 65535, 65535, 1], 8, _)? = error as? ImageIOError else { return XCTFail("\(error)") }
        }
        // Rows given as text "NaN" (VR IS): no value, so Rows is reported missing.
        let rows = Self.dicom([(0x0028, 0x0010, "IS", Array("NaN ".utf8)), (0x0028, 0x0011, "US", Self.le(4, 2)), (0x0028, 0x0100, "US", Self.le(8, 2))])
        XCTAssertThrowsError(try DICOMImage(bytes: rows, file: "r.dcm")) { error in
            XCTAssertEqual(error as? ImageIOError, .invalidField(file: "r.dcm", field: "Rows (0028,0010)", expected: "present", got: "missing"))
        }
        // A sane file of the same shape decodes: 2 frames of 4 x 4 uint8.
        // PixelData is OB, a long VR: tag, "OB", two reserved bytes, a 32-bit length.
        let header: [UInt8] = Self.dicom([(0x0028, 0x0008, "IS", Array("2 ".utf8)), (0x0028, 0x0010, "US", Self.le(4, 2)),
                                          (0x0028, 0x0011, "US", Self.le(4, 2)), (0x0028, 0x0100, "US", Self.le(8, 2))])
        let ok: [UInt8] = header + Self.le(0x7FE0, 2) + Self.le(0x0010, 2) + Array("OB".utf8) + [0, 0] + Self.le(32, 4) + (0..<32).map { UInt8($0) }
        let image = try DICOMImage(bytes: ok, file: "ok.dcm")
        XCTAssertEqual(try image.storedPixels().dims, [2, 4, 4, 1])
        XCTAssertEqual(try image.modalityValues(frame: 1).scalars.first, 16)
    }
}
