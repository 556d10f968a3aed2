import CCodecShims
import CTIFF
import Foundation
import TensorCore

extension TIFFCodec {
    /// Writes `image` as a one-page TIFF, atomically, with `geoTags` (e.g. a source's `info.geoTags`) and an
    /// ImageDescription (tag 270, ASCII) if given.
    public static func write(_ image: RawImage, to url: URL, options: WriteOptions = WriteOptions(),
                             geoTags: GeoTIFFTags? = nil, description: String? = nil) throws {
        try write(pages: [image], to: url, options: options, geoTags: geoTags, description: description)
    }

    /// Writes `pages` as a multi-page TIFF (one directory each), atomically.
    /// Photometric: 3 channels are written as RGB, 4 as RGB + unassociated alpha, any other
    /// count as MinIsBlack with unspecified extra samples. Element types: `writableTypes`.
    /// `geoTags` and `description` (ImageDescription, tag 270), when given, are written on every page.
    public static func write(pages: [RawImage], to url: URL, options: WriteOptions = WriteOptions(),
                             geoTags: GeoTIFFTags? = nil, description: String? = nil) throws {
        let file = ImageIOError.name(url)
        guard !pages.isEmpty else {
            throw ImageIOError.invalidField(file: file, field: "pages", expected: "at least one image", got: "none")
        }
        if options.tileWidth != nil || options.tileHeight != nil {
            for (name, v) in [("tile width", options.tileWidth), ("tile height", options.tileHeight)] {
                guard let v, v >= 16, v % 16 == 0 else {
                    throw ImageIOError.invalidField(file: file, field: name, expected: "a positive multiple of 16", got: v.map(String.init) ?? "nil")
                }
            }
        }
        if let rps = options.rowsPerStrip, rps < 1 {
            throw ImageIOError.invalidField(file: file, field: "rows per strip", expected: ">= 1", got: "\(rps)")
        }
        for image in pages {
            guard writableTypes.contains(image.dtype) else {
                throw ImageIOError.unsupported(file: file, field: "dtype", value: image.dtype.rawValue,
                                               supported: writableTypes.map(\.rawValue).joined(separator: ", "))
            }
            guard image.channels >= 1, image.channels <= Int(UInt16.max), image.width >= 1, image.height >= 1,
                  image.width <= Int(UInt32.max), image.height <= Int(UInt32.max) else {
                throw ImageIOError.invalidField(file: file, field: "image size", expected: "at least 1x1x1 and at most 2^32-1 per side",
                                                got: "\(image.width)x\(image.height)x\(image.channels)")
            }
        }
        try writeAtomically(to: url) { tmp in
            var message = [CChar](repeating: 0, count: 512)
            guard let t = aims_tiff_open_write(tmp.path, options.bigTIFF ? 1 : 0, &message, message.count) else {
                throw ImageIOError.codec(file: file, library: "libtiff", message: cString(message))
            }
            var closed = false
            defer { if !closed { var m = [CChar](repeating: 0, count: 8); _ = aims_tiff_close(t, &m, m.count) } }
            for image in pages {
                try writePage(t, image, options: options, geoTags: geoTags, description: description, file: file)
            }
            closed = true
            if aims_tiff_close(t, &message, message.count) != 0 {
                throw ImageIOError.codec(file: file, library: "libtiff", message: cString(message))
            }
        }
    }

    static func sampleFormat(_ d: DType) -> UInt16 {
        switch d {
        case .int8, .int16, .int32, .int64: return UInt16(SAMPLEFORMAT_INT)
        case .float16, .float32, .float64, .bfloat16: return UInt16(SAMPLEFORMAT_IEEEFP)
        default: return UInt16(SAMPLEFORMAT_UINT)
        }
    }

    /// Sets the fields of one directory, writes its blocks and closes the directory.
    static func writePage(_ t: OpaquePointer, _ image: RawImage, options: WriteOptions, geoTags: GeoTIFFTags?,
                          description: String? = nil, file: String) throws {
        let tif = aims_tiff_handle(t)
        let size = image.dtype.byteSize, c = image.channels
        let separate = options.planar && c > 1
        let tiled = options.tileWidth != nil
        var f = aims_tiff_fields()
        f.width = UInt32(image.width)
        f.height = UInt32(image.height)
        f.bits_per_sample = UInt16(size * 8)
        f.samples_per_pixel = UInt16(c)
        f.sample_format = sampleFormat(image.dtype)
        f.planar_config = UInt16(separate ? PLANARCONFIG_SEPARATE : PLANARCONFIG_CONTIG)
        f.compression = options.compression.code
        if c == 3 || c == 4 {
            f.photometric = UInt16(PHOTOMETRIC_RGB)
            f.extra_samples = UInt16(c - 3)
            f.extra_sample_kind = UInt16(EXTRASAMPLE_UNASSALPHA)
        } else {
            f.photometric = UInt16(PHOTOMETRIC_MINISBLACK)
            f.extra_samples = UInt16(c - 1)
            f.extra_sample_kind = UInt16(EXTRASAMPLE_UNSPECIFIED)
        }
        let samplesPerBlockPixel = separate ? 1 : c
        let blockWidth = tiled ? options.tileWidth! : image.width
        let rowBytes = blockWidth * samplesPerBlockPixel * size
        let blockHeight: Int
        if tiled {
            f.is_tiled = 1
            f.tile_width = UInt32(options.tileWidth!)
            f.tile_length = UInt32(options.tileHeight!)
            blockHeight = options.tileHeight!
        } else {
            blockHeight = min(image.height, options.rowsPerStrip ?? max(1, 8192 / max(rowBytes, 1)))
            f.rows_per_strip = UInt32(blockHeight)
        }
        guard aims_tiff_set_fields(t, &f) == 0 else {
            throw ImageIOError.codec(file: file, library: "libtiff", message: "cannot set fields: \(cString(aims_tiff_error(t)))")
        }
        try geoTags?.write(t, file: file)
        if let description {
            let ok = description.withCString { aims_tiff_set_tag(t, TIFFCodec.imageDescriptionTag, 0, UnsafeRawPointer($0)) == 0 }
            guard ok else {
                throw ImageIOError.codec(file: file, library: "libtiff", message: "cannot set ImageDescription: \(cString(aims_tiff_error(t)))")
            }
        }
        let planes = separate ? c : 1
        let across = tiled ? (image.width + blockWidth - 1) / blockWidth : 1
        let down = (image.height + blockHeight - 1) / blockHeight
        let blockBytes = rowBytes * blockHeight
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: blockBytes, alignment: 16)
        defer { buffer.deallocate() }
        try image.bytes.withUnsafeBytes { raw in
            let src = raw.baseAddress!
            for plane in 0..<planes {
                for by in 0..<down {
                    for bx in 0..<across {
                        let x0 = bx * blockWidth, y0 = by * blockHeight
                        let rows = min(blockHeight, image.height - y0), cols = min(blockWidth, image.width - x0)
                        // Gather the block; tile padding beyond the image is zero.
                        if tiled { buffer.initializeMemory(as: UInt8.self, repeating: 0, count: blockBytes) }
                        for r in 0..<rows {
                            let dst = buffer + r * rowBytes
                            let pixel0 = (y0 + r) * image.width + x0
                            if !separate {
                                dst.copyMemory(from: src + pixel0 * c * size, byteCount: cols * c * size)
                            } else {
                                for x in 0..<cols { (dst + x * size).copyMemory(from: src + ((pixel0 + x) * c + plane) * size, byteCount: size) }
                            }
                        }
                        let written: Int
                        if tiled {
                            let index = TIFFComputeTile(tif, UInt32(x0), UInt32(y0), 0, UInt16(plane))
                            written = Int(TIFFWriteEncodedTile(tif, index, buffer, tmsize_t(blockBytes)))
                        } else {
                            written = Int(TIFFWriteEncodedStrip(tif, UInt32(plane * down + by), buffer, tmsize_t(rows * rowBytes)))
                        }
                        guard written >= 0 else {
                            throw ImageIOError.codec(file: file, library: "libtiff", message: "cannot write block: \(cString(aims_tiff_error(t)))")
                        }
                    }
                }
            }
        }
        guard TIFFWriteDirectory(tif) != 0 else {
            throw ImageIOError.codec(file: file, library: "libtiff", message: "cannot write directory: \(cString(aims_tiff_error(t)))")
        }
    }
}
