import Foundation
import TensorCore
import TensorKernels
import XCTest
@testable import ImageIO

/// GeoTIFF tags: what the reader exposes (against tifffile's reading of files it wrote) and what the writer
/// writes back.
final class GeoTIFFTests: XCTestCase {
    private func expected(_ name: String) -> GeoTIFFTags {
        let t = (VolumeFixtures.reference["geotiff"] as! [String: Any])[name] as! [String: Any]
        func doubles(_ k: String) -> [Double]? { (t[k] as? [Any])?.map { ($0 as! NSNumber).doubleValue } }
        return GeoTIFFTags(modelPixelScale: doubles("pixel_scale"), modelTiepoints: doubles("tiepoints"),
                           modelTransformation: doubles("transformation"),
                           geoKeyDirectory: (t["key_directory"] as? [Any])?.map { ($0 as! NSNumber).uint16Value },
                           geoDoubleParams: doubles("double_params"), geoAsciiParams: t["ascii_params"] as? String,
                           gdalNoData: t["gdal_nodata"] as? String)
    }

    func testReaderExposesTheTagsAndTheWriterWritesThemBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("geotiff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["geotiff_scale_tiepoint.tif", "geotiff_transformation.tif"] {
            let source = try TIFFCodec.read(VolumeFixtures.url(name))
            let tags = try XCTUnwrap(source.info?.geoTags, name)
            XCTAssertEqual(tags, expected(name), name)
            XCTAssertEqual(try TIFFCodec.info(VolumeFixtures.url(name)).geoTags, tags, name)
            let mask = RawImage(tensor: Tensor(shape: [1, source.height, source.width], repeating: 255), dtype: .uint8)
            for options in [TIFFCodec.WriteOptions(), .init(compression: .deflate, tileWidth: 16, tileHeight: 16), .init(bigTIFF: true)] {
                let out = dir.appendingPathComponent("mask.tif")
                try TIFFCodec.write(mask, to: out, options: options, geoTags: tags)
                let back = try TIFFCodec.read(out)
                XCTAssertEqual(back.info?.geoTags, tags, "\(name) \(options)")
                XCTAssertEqual(back.bytes, mask.bytes)
            }
        }
    }

    func testFilesWithoutGeoreferencingHaveNone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("geotiff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("plain.tif")
        try TIFFCodec.write(RawImage(tensor: Tensor(shape: [1, 4, 4], repeating: 3), dtype: .uint8), to: out)
        XCTAssertNil(try TIFFCodec.read(out).info?.geoTags)
        // Only the nodata value: still reported, and written back.
        let nodata = GeoTIFFTags(gdalNoData: "0")
        try TIFFCodec.write(RawImage(tensor: Tensor(shape: [1, 4, 4], repeating: 3), dtype: .uint8), to: out, geoTags: nodata)
        XCTAssertEqual(try TIFFCodec.read(out).info?.geoTags, nodata)
    }
}
