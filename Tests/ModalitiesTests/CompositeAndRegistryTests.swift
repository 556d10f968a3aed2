import Foundation
@testable import Modalities
import TensorCore
import TensorFiles
import Transforms
import XCTest

/// Composites (RGB + X) and the registry.
final class CompositeAndRegistryTests: XCTestCase {
    func testRGBPlusNIRConcatenatesChannelsOfSamplesMatchedByID() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "images/png_rgb8.png", to: "rgb/a.png")
        try data.copy(fixture: "images/png_rgba8.png", to: "rgb/b.png")
        try data.copy(fixture: "images/png_rgb8.png", to: "rgb/only-rgb.png")
        try data.copy(fixture: "images/png_gray8.png", to: "nir/a.png")
        try data.copy(fixture: "images/png_gray16.png", to: "nir/b.png")
        try data.copy(fixture: "images/png_gray8.png", to: "nir/only-nir.png")
        try data.copy(fixture: "images/png_gray8.png", to: "labels/b.png")
        let registry = ModalityRegistry.standard
        let composite = try registry.require("rgb+nir")
        XCTAssertEqual(composite.identifier, "rgb+nir")
        XCTAssertEqual(composite.channels.map(\.name), ["R", "G", "B", "NIR"])
        XCTAssertEqual(composite.normalization?.mean.count, 4)
        let samples = try composite.samples(in: data.root)
        XCTAssertEqual(samples.map(\.id), ["a", "b"], "only ids both parts have")
        XCTAssertEqual(samples[1].inputs, ["rgb/b.png", "nir/b.png"])
        XCTAssertEqual(samples[1].label, "labels/b.png")
        let rgb = try Fixtures.imageReference("png_rgba8_png.bin", dtype: "uint8")  // [7, 13, 4]
        let nir = try Fixtures.imageReference("png_gray16_png.bin", dtype: "uint16")
        let t = try composite.transformSample(samples[1], root: data.root)
        XCTAssertEqual(t.image.values.shape, [4, 7, 13])
        let v = t.image.values.scalars, n = 7 * 13
        for c in 0..<3 { for p in 0..<n { XCTAssertEqual(v[c * n + p], Float(rgb[p * 4 + c] / 255)) } }
        for p in 0..<n { XCTAssertEqual(v[3 * n + p], Float(nir[p] / 65535)) }
        XCTAssertEqual(t.label?.scalars, try Fixtures.imageReference("png_gray8_png.bin", dtype: "uint8").map(Float.init))
        // Round trip of a composite sample through JSON keeps its parts.
        let coded = try JSONDecoder().decode(SampleFiles.self, from: JSONEncoder().encode(samples[1]))
        XCTAssertEqual(coded, samples[1])
    }

    func testMasksMultiplyAndGridsMustAgree() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "images/real_sentinel2_crop.tif", to: "nir/x.tif")
        let depth = Tensor(shape: [48, 40], values: (0..<(48 * 40)).map { $0 % 7 == 0 ? 0 : Float($0) })
        try NPY.write(depth, to: try data.url("depth/x.npy"))
        try NPY.write(Tensor(shape: [4, 4], repeating: 1), to: try data.url("depth/y.npy"))
        try data.copy(fixture: "images/png_rgba8.png", to: "nir/y.png")  // four bands, another size
        var registry = ModalityRegistry.standard
        registry.register(NIRModality.sentinel2BGRN(pattern: "nir/{id}.*"))
        let c = try registry.require("depth+nir-sentinel2")
        let samples = try c.samples(in: data.root)
        let x = try c.decode(samples[0], root: data.root)
        let ref = try Fixtures.imageReference("real_sentinel2_crop_tif.bin", dtype: "uint16")
        let expected = (0..<(48 * 40)).map { p -> Float in p % 7 == 0 || ref[p * 4 + 3] == 9999 ? 0 : 1 }
        XCTAssertEqual(x.validMask?.scalars, expected)
        XCTAssertEqual(x.channels.map(\.unit), ["m", "1"])
        XCTAssertEqual(message { _ = try c.decode(samples[1], root: data.root) }, "nir/y.png: nir-sentinel2 image: expected shape [4, 4], got [7, 13]")
    }

    func testRegistryListsBuiltInsAndNamesUnknownModalities() throws {
        let registry = ModalityRegistry.standard
        for id in ["rgb", "polarization-mono", "polarization-mono-legacy", "polarization-rgb", "zju-rgbp", "depth", "depth-sr300",
                   "thermal", "nir", "nir-sentinel2", "ct", "dicom", "nifti"] {
            XCTAssertNotNil(registry.modality(id), id)
        }
        for m in registry.all {
            XCTAssertFalse(m.channels.isEmpty, m.identifier)
            if let n = m.normalization { XCTAssertEqual(n.mean.count, m.channels.count, m.identifier) }
        }
        XCTAssertTrue(message { _ = try registry.require("rgb+lidar") }.hasPrefix("modality lidar: unknown (registered: ct, d, depth"))
        XCTAssertNil(registry.modality("sonar"))
        XCTAssertEqual(message { _ = try CompositeModality(parts: [try RGBModality()]) }, "composite: parts: expected at least two modalities, got 1")
    }

    func testPluginFolderAndAmbiguousFiles() throws {
        let data = try ScratchDataset()
        try data.write(Data(DeclarativeModalityTests.sentinelSpec.utf8), to: "plugins/a.json")
        try data.write(Data("{\"identifier\": \"x\"}".utf8), to: "plugins/b.json")
        var registry = ModalityRegistry()
        XCTAssertEqual(message { try registry.registerPlugins(in: data.root.appendingPathComponent("plugins")) },
                       "b.json: channels: expected present, got missing")
        try FileManager.default.removeItem(at: data.root.appendingPathComponent("plugins/b.json"))
        XCTAssertEqual(try registry.registerPlugins(in: data.root.appendingPathComponent("plugins")), ["sentinel2-red-nir"])
        try data.copy(fixture: "images/png_rgb8.png", to: "rgb/a.png")
        try data.copy(fixture: "images/png_rgb8.png", to: "rgb/a.tif")
        XCTAssertEqual(message { _ = try RGBModality().samples(in: data.root) },
                       "rgb/{id}.*: sample a: expected one file, got 2: rgb/a.png, rgb/a.tif")
    }
}
