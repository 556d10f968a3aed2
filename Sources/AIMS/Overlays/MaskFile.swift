import Foundation
import ImageIO
import TensorCore

/// Writes a predicted 2-D mask (0/255, 8-bit): a TIFF when the name ends in `.tif`/`.tiff` — carrying the
/// source image's GeoTIFF tags, when it is a TIFF that has them, so the mask keeps its georeferencing (not its
/// GDAL nodata value, which describes the source's samples) — else a PNG.
public enum MaskFile {
    /// - Parameters:
    ///   - mask: `[1, H, W]` with values 0 or 255, on the source image's pixel grid.
    ///   - source: the image the mask was predicted from (nil: no tags to keep); `page` its TIFF page.
    public static func write(_ mask: Tensor, to url: URL, source: URL?, page: Int = 0) throws {
        let raw = RawImage(tensor: mask, dtype: .uint8)
        guard ["tif", "tiff"].contains(url.pathExtension.lowercased()) else {
            try PNGCodec.write(raw, to: url)
            return
        }
        var geoTags: GeoTIFFTags?
        if let source, let format = ImageFormat.sniff(prefix: try FileBytes.readPrefix(source, count: 16)), format == .tiff || format == .bigTIFF {
            geoTags = try TIFFCodec.info(source, page: page).geoTags
            // The source's nodata value describes its samples, not a 0/255 mask (where 0 is background, not missing).
            geoTags?.gdalNoData = nil
        }
        try TIFFCodec.write(raw, to: url, options: .init(compression: .deflate), geoTags: geoTags)
    }
}
