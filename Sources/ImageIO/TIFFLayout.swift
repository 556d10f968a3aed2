import CCodecShims
import CTIFF
import TensorCore

/// The validated geometry of one TIFF page: everything `decodePixels` needs, checked against the
/// file's declared sizes before any pixel memory is allocated.
struct TIFFLayout {
    var width: Int
    var height: Int
    /// Samples per pixel.
    var channels: Int
    /// Decoded element type.
    var dtype: DType
    /// Bits per sample in the file.
    var bits: Int
    /// PLANARCONFIG_SEPARATE.
    var separate: Bool
    var tiled: Bool
    /// Block (strip or tile) size in pixels; strips span the full width.
    var blockWidth: Int
    var blockHeight: Int
    var info: ImageInfo

    /// Samples per pixel inside one block (all of them when contiguous, one when separate).
    var samplesPerBlockPixel: Int { separate ? 1 : channels }
    var planes: Int { separate ? channels : 1 }
    /// Bytes per row of one block, rows padded to whole bytes.
    var blockRowBytes: Int { (blockWidth * samplesPerBlockPixel * bits + 7) / 8 }
}

extension TIFFCodec {
    static let compressionNames: [Int: String] = [
        1: "none", 2: "ccitt-rle", 3: "ccitt-fax3", 4: "ccitt-fax4", 5: "lzw", 6: "ojpeg", 7: "jpeg",
        8: "deflate", 32946: "deflate", 32773: "packbits", 34925: "lzma", 50000: "zstd", 50001: "webp", 34887: "lerc",
    ]
    /// Upper bounds of decoded bytes per stored byte for codecs whose bound is known: none 1,
    /// PackBits 64 (128 bytes from 2), deflate ~1032, LZW ~2730 (4096-byte strings from 12-bit codes), JPEG and
    /// old-style JPEG 12288 (the JPEG reader's 4096 pixels per byte, at 3 bytes a pixel).
    static let maxCompressionRatio: [Int: Int] = [1: 1, 32773: 64, 8: 1100, 32946: 1100, 5: 2800, 6: 12288, 7: 12288]
    /// The bound for every other codec (CCITT, LZMA, Zstandard, WebP, LERC, unknown codes): 65536 decoded bytes
    /// per stored byte, past what a real capture compresses to. Without one, a 274-byte file (a fuzz input in
    /// `fixtures/fuzz/image/`) made the reader allocate 1 GB before libtiff found nothing to decode.
    static let otherCompressionRatio = 65536

    static let photometricNames: [Int: String] = [
        0: "miniswhite", 1: "minisblack", 2: "rgb", 3: "palette", 4: "mask", 5: "separated", 6: "ycbcr",
        8: "cielab", 9: "icclab", 10: "itulab", 32844: "logl", 32845: "logluv", 0xFFFF: "missing",
    ]

    /// Selects page `page` and validates its fields.
    static func layout(_ t: OpaquePointer, page: Int, bytes: [UInt8], file: String, options: ImageReadOptions) throws -> TIFFLayout {
        let count = try pages(t, file: file)
        guard (0..<count).contains(page) else { throw ImageIOError.pageOutOfRange(file: file, page: page, pageCount: count) }
        let tif = aims_tiff_handle(t)
        guard TIFFSetDirectory(tif, tdir_t(page)) != 0 else {
            throw ImageIOError.codec(file: file, library: "libtiff", message: "cannot read directory \(page): \(cString(aims_tiff_error(t)))")
        }
        var f = aims_tiff_fields()
        let status = aims_tiff_get_fields(t, &f)
        guard status == 0 else {
            throw ImageIOError.invalidField(file: file, field: status == 1 ? "ImageWidth tag" : "ImageLength tag", expected: "present", got: "missing")
        }
        let width = Int(f.width), height = Int(f.height)
        try options.check(width: width, height: height, file: file, widthField: "ImageWidth", heightField: "ImageLength")
        let channels = Int(f.samples_per_pixel)
        guard channels >= 1 else {
            throw ImageIOError.invalidField(file: file, field: "SamplesPerPixel", expected: ">= 1", got: "\(channels)")
        }
        let bits = Int(f.bits_per_sample)
        let format = Int(f.sample_format)
        let dtype: DType
        switch (format, bits) {
        case (1, 1), (1, 2), (1, 4), (4, 1), (4, 2), (4, 4), (1, 8), (4, 8): dtype = .uint8
        case (1, 16), (4, 16): dtype = .uint16
        case (1, 32), (4, 32): dtype = .uint32
        case (1, 64), (4, 64): dtype = .uint64
        case (2, 8): dtype = .int8
        case (2, 16): dtype = .int16
        case (2, 32): dtype = .int32
        case (2, 64): dtype = .int64
        case (3, 16): dtype = .float16
        case (3, 32): dtype = .float32
        case (3, 64): dtype = .float64
        default:
            let name = [1: "uint", 2: "int", 3: "ieeefp", 4: "void", 5: "complexint", 6: "complexieeefp"][format] ?? "code \(format)"
            throw ImageIOError.unsupported(file: file, field: "SampleFormat/BitsPerSample", value: "\(name) \(bits)-bit",
                                           supported: "uint 1/2/4/8/16/32/64, int 8/16/32/64, ieeefp 16/32/64")
        }
        try options.checkBytes(width: width, height: height, channels: channels, byteSize: dtype.byteSize, file: file)
        let photometric = Int(f.photometric)
        if photometric == Int(PHOTOMETRIC_YCBCR) {
            throw ImageIOError.unsupported(file: file, field: "PhotometricInterpretation", value: "ycbcr (6)", supported: "any other (samples are returned as stored)")
        }
        let compression = Int(f.compression)
        guard TIFFIsCODECConfigured(UInt16(compression)) != 0 else {
            throw ImageIOError.unsupported(file: file, field: "Compression", value: compressionNames[compression] ?? "code \(compression)",
                                           supported: "the schemes this libtiff was built with (none, lzw, deflate, packbits, ...)")
        }
        let separate = Int(f.planar_config) == Int(PLANARCONFIG_SEPARATE)
        guard separate || Int(f.planar_config) == Int(PLANARCONFIG_CONTIG) else {
            throw ImageIOError.invalidField(file: file, field: "PlanarConfiguration", expected: "1 or 2", got: "\(f.planar_config)")
        }
        let tiled = f.is_tiled != 0
        let blockWidth: Int, blockHeight: Int
        if tiled {
            blockWidth = Int(f.tile_width); blockHeight = Int(f.tile_length)
            guard blockWidth >= 1, blockHeight >= 1 else {
                throw ImageIOError.invalidField(file: file, field: "TileWidth/TileLength", expected: ">= 1", got: "\(blockWidth)x\(blockHeight)")
            }
            let (tilePixels, o) = blockWidth.multipliedReportingOverflow(by: blockHeight)
            guard !o, tilePixels <= max(options.maxPixels, 1 << 24) else {
                throw ImageIOError.invalidField(file: file, field: "TileWidth/TileLength", expected: "a tile of at most \(max(options.maxPixels, 1 << 24)) pixels",
                                                got: "\(blockWidth)x\(blockHeight)")
            }
        } else {
            blockWidth = width
            blockHeight = max(1, min(Int(f.rows_per_strip), height))
        }
        // The block count libtiff holds must match the geometry, or indices below would be wrong.
        let planes = separate ? channels : 1
        let perPlane = tiled ? ((width + blockWidth - 1) / blockWidth) * ((height + blockHeight - 1) / blockHeight)
                             : (height + blockHeight - 1) / blockHeight
        let declared = tiled ? Int(TIFFNumberOfTiles(tif)) : Int(TIFFNumberOfStrips(tif))
        guard declared == perPlane * planes else {
            throw ImageIOError.invalidField(file: file, field: tiled ? "TileOffsets count" : "StripOffsets count",
                                            expected: "\(perPlane * planes)", got: "\(declared)")
        }
        // A file too short to hold the raster even at the codec's best compression ratio is
        // corrupt: reject it before allocating the output (tiny files claiming huge images).
        do {
            let ratio = maxCompressionRatio[compression] ?? otherCompressionRatio
            let rowBytes = (width.multipliedReportingOverflow(by: channels * bits).partialValue + 7) / 8
            let (raster, o) = rowBytes.multipliedReportingOverflow(by: height)
            let (bound, o2) = bytes.count.multipliedReportingOverflow(by: ratio)
            if !o && !o2 && raster > bound {
                throw ImageIOError.truncated(file: file, field: "image data (\(compressionNames[compression] ?? "code \(compression)"))",
                                             expectedBytes: raster / ratio, availableBytes: bytes.count)
            }
        }
        var info = ImageInfo(format: ImageFormat.sniff(prefix: bytes) ?? .tiff, width: width, height: height, channels: channels, dtype: dtype, bitDepth: bits)
        info.pageCount = count
        info.compression = compressionNames[compression] ?? "code \(compression)"
        info.colorModel = photometricNames[photometric] ?? "code \(photometric)"
        info.tiled = tiled
        info.planar = separate
        if bits > 8 { info.byteOrder = bytes.first == 0x49 ? "little" : "big" }
        info.geoTags = try GeoTIFFTags.read(t, file: file)
        info.imageDescription = TIFFCodec.imageDescription(t)
        return TIFFLayout(width: width, height: height, channels: channels, dtype: dtype, bits: bits, separate: separate,
                          tiled: tiled, blockWidth: blockWidth, blockHeight: blockHeight, info: info)
    }

    /// Decodes every strip or tile of the current page into `out` (`[H, W, C]`, host order).
    static func decodePixels(_ t: OpaquePointer, _ l: TIFFLayout, into out: UnsafeMutableRawPointer, file: String) throws {
        let tif = aims_tiff_handle(t)
        let rowBytes = l.blockRowBytes
        let blockBytes = rowBytes * l.blockHeight
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(blockBytes, 1), alignment: 16)
        defer { buffer.deallocate() }
        let across = l.tiled ? (l.width + l.blockWidth - 1) / l.blockWidth : 1
        let down = (l.height + l.blockHeight - 1) / l.blockHeight
        for plane in 0..<l.planes {
            for by in 0..<down {
                for bx in 0..<across {
                    let x0 = bx * l.blockWidth, y0 = by * l.blockHeight
                    let rows = min(l.blockHeight, l.height - y0), cols = min(l.blockWidth, l.width - x0)
                    let index: UInt32
                    let expected: Int
                    let got: Int
                    if l.tiled {
                        index = TIFFComputeTile(tif, UInt32(x0), UInt32(y0), 0, UInt16(plane))
                        expected = blockBytes
                        got = Int(TIFFReadEncodedTile(tif, index, buffer, tmsize_t(blockBytes)))
                    } else {
                        index = UInt32(plane * down + by)
                        expected = rows * rowBytes
                        got = Int(TIFFReadEncodedStrip(tif, index, buffer, tmsize_t(expected)))
                    }
                    guard got >= expected else {
                        let reason = cString(aims_tiff_error(t))
                        throw ImageIOError.codec(file: file, library: "libtiff",
                                                 message: "\(l.tiled ? "tile" : "strip") \(index): expected \(expected) decoded bytes, got \(max(got, 0))"
                                                    + (reason.isEmpty ? "" : " (\(reason))"))
                    }
                    scatter(UnsafeRawPointer(buffer), l, rows: rows, cols: cols, x0: x0, y0: y0, plane: plane, into: out)
                }
            }
        }
    }

    /// Copies one decoded block into the interleaved output, unpacking sub-byte samples.
    static func scatter(_ block: UnsafeRawPointer, _ l: TIFFLayout, rows: Int, cols: Int, x0: Int, y0: Int, plane: Int,
                        into out: UnsafeMutableRawPointer) {
        let size = l.dtype.byteSize, c = l.channels, rowBytes = l.blockRowBytes
        for r in 0..<rows {
            let src = block + r * rowBytes
            let pixel0 = (y0 + r) * l.width + x0
            if l.bits >= 8 {
                if !l.separate {
                    (out + pixel0 * c * size).copyMemory(from: src, byteCount: cols * c * size)
                } else if size == 1 {
                    let s = src.assumingMemoryBound(to: UInt8.self), d = (out + pixel0 * c + plane).assumingMemoryBound(to: UInt8.self)
                    for x in 0..<cols { d[x * c] = s[x] }
                } else {
                    for x in 0..<cols { (out + ((pixel0 + x) * c + plane) * size).copyMemory(from: src + x * size, byteCount: size) }
                }
            } else {
                let bits = l.bits, mask = UInt8((1 << bits) - 1)
                let s = src.assumingMemoryBound(to: UInt8.self), d = out.assumingMemoryBound(to: UInt8.self)
                let n = cols * l.samplesPerBlockPixel
                for i in 0..<n {
                    let bit = i * bits
                    let v = (s[bit >> 3] >> UInt8(8 - bits - (bit & 7))) & mask
                    d[l.separate ? (pixel0 + i) * c + plane : pixel0 * c + i] = v
                }
            }
        }
    }
}
