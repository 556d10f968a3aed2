import Foundation
@testable import Modalities
import Transforms
import XCTest

/// The NIR plugin on the real Sentinel-2 crop against tifffile's decode (fixtures/images/ref).
final class NIRModalityTests: XCTestCase {
    func testSentinelNIRBandEqualsTifffileBandFour() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "images/real_sentinel2_crop.tif", to: "nir/contiguous.tif")
        try data.copy(fixture: "images/real_sentinel2_crop_planar_deflate.tif", to: "nir/planar.tif")
        let modality = NIRModality.sentinel2BGRN()
        XCTAssertEqual(modality.bandIndex, 3)
        let reference = try Fixtures.imageReference("real_sentinel2_crop_tif.bin", dtype: "uint16")  // [48, 40, 4]
        let nir = stride(from: 3, to: reference.count, by: 4).map { reference[$0] }
        for sample in try modality.samples(in: data.root) {
            let image = try modality.decode(sample, root: data.root)
            XCTAssertEqual(image.values.shape, [1, 48, 40])
            let v = image.values.scalars, mask = image.validMask?.scalars ?? [Float](repeating: 1, count: v.count)
            for i in nir.indices {
                if nir[i] == 9999 {
                    XCTAssertEqual(mask[i], 0)
                    XCTAssertEqual(v[i], 0)
                } else {
                    XCTAssertEqual(mask[i], 1)
                    XCTAssertEqual(Double(v[i]), nir[i] * 1e-4, accuracy: 1e-7, "\(sample.id) pixel \(i)")
                }
            }
            // Vegetation: the NIR band is the brightest of the four on average (the sample's README).
            let mean = { (b: Int) in stride(from: b, to: reference.count, by: 4).map { reference[$0] }.reduce(0, +) }
            XCTAssertGreaterThan(mean(3), mean(2))
        }
    }

    func testEightBitNIRIsScaledToUnitRange() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "images/png_gray8.png", to: "nir/a.png")
        try data.copy(fixture: "images/png_gray16.png", to: "nir/b.png")
        let modality = try NIRModality()
        let samples = try modality.samples(in: data.root)
        let a = try modality.decode(samples[0], root: data.root).values.scalars
        XCTAssertEqual(a, try Fixtures.imageReference("png_gray8_png.bin", dtype: "uint8").map { Float($0 / 255) })
        let b = try modality.decode(samples[1], root: data.root).values.scalars
        XCTAssertEqual(b, try Fixtures.imageReference("png_gray16_png.bin", dtype: "uint16").map { Float($0 / 65535) })
        XCTAssertEqual(modality.normalization?.mean, [0.5038126])
    }

    func testBandErrors() throws {
        XCTAssertEqual(message { _ = try NIRModality(band: .name("SWIR"), bandNames: ["B", "G", "R", "NIR"]) },
                       "nir: band: expected one of the band names [\"B\", \"G\", \"R\", \"NIR\"], got \"SWIR\"")
        let data = try ScratchDataset()
        try data.copy(fixture: "images/png_gray8.png", to: "nir/a.png")
        let m = try NIRModality(band: .index(2))
        let s = try XCTUnwrap(m.samples(in: data.root).first)
        XCTAssertEqual(message { _ = try m.decode(s, root: data.root) }, "nir/a.png: band: expected an index below the 1 bands, got 2")
    }
}
