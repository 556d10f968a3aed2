import TensorCore

/// What a file says about one of its pages, without (or besides) the pixels: reported by
/// `ImageReader.info(_:page:)` for `aims inspect` and attached to every decoded `RawImage`.
public struct ImageInfo: Sendable, Equatable, Codable {
    public var format: ImageFormat
    /// Pixels.
    public var width: Int
    public var height: Int
    /// Samples per pixel as decoded (a palette PNG reports 3 or 4).
    public var channels: Int
    /// Element type of the decoded samples.
    public var dtype: DType
    /// Bits per sample in the file (1, 2, 4, 8, 16, 32, 64). Samples of 1/2/4-bit files are
    /// decoded to `uint8` holding the file's values `0...2^bitDepth - 1` (not rescaled).
    public var bitDepth: Int
    /// Pages in the file (TIFF directories; 1 for the other formats).
    public var pageCount: Int = 1
    /// Compression scheme name ("none", "deflate", "lzw", "packbits", ...).
    public var compression: String = "none"
    /// Colour model in the file: PNG colour type ("gray", "gray+alpha", "rgb", "rgba", "palette"),
    /// TIFF photometric ("minisblack", "rgb", ...), PNM kind ("pgm", "ppm", "pbm").
    public var colorModel: String = ""
    /// PNM maximum sample value (nil for other formats).
    public var maxval: Int? = nil
    /// PNG Adam7 interlacing, or a progressive JPEG.
    public var interlaced: Bool = false
    /// TIFF: stored in tiles (otherwise strips).
    public var tiled: Bool = false
    /// TIFF: PLANARCONFIG_SEPARATE (decoded images are always interleaved).
    public var planar: Bool = false
    /// File byte order for multi-byte samples ("big", "little"); nil for 8-bit data.
    public var byteOrder: String? = nil
    /// JPEG: EXIF orientation tag (1...8; 1 is upright) as stored. Decoders do NOT rotate the
    /// pixels (labels of datasets are drawn on the stored raster); nil when the file has none.
    public var orientation: Int? = nil
    /// JPEG: JFIF pixel density, nil when the file has no JFIF marker.
    public var density: PixelDensity? = nil
    /// JPEG: chroma subsampling of a 3-component file ("4:4:4", "4:2:2", "4:2:0", "4:4:0", "4:1:1",
    /// otherwise the sampling factors "HxV,HxV,HxV"); nil for other formats.
    public var chromaSubsampling: String? = nil
    /// A non-fatal message from the codec (libpng/libtiff warning), if any.
    public var warning: String? = nil
    /// TIFF: the page's GeoTIFF georeferencing tags, nil when it has none.
    public var geoTags: GeoTIFFTags? = nil
    /// TIFF: the page's ImageDescription (tag 270), nil when it has none.
    public var imageDescription: String? = nil

    public init(format: ImageFormat, width: Int, height: Int, channels: Int, dtype: DType, bitDepth: Int) {
        self.format = format
        self.width = width
        self.height = height
        self.channels = channels
        self.dtype = dtype
        self.bitDepth = bitDepth
    }
}

/// Pixel density from a file header (JFIF `APP0`).
public struct PixelDensity: Sendable, Equatable, Codable {
    /// Horizontal and vertical density in `unit`.
    public var x: Int
    public var y: Int
    /// "dpi" (dots per inch), "dpcm" (dots per centimetre) or "aspect" (x:y is only the pixel aspect ratio).
    public var unit: String

    public init(x: Int, y: Int, unit: String) {
        self.x = x
        self.y = y
        self.unit = unit
    }
}
