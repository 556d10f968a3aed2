import AIMS
import Foundation
import ImageIO
import Modalities
import TensorCore
import TensorFiles
import TensorKernels
import Transforms
import XCTest

/// Depth, plugin and volume conversion against hand-derived values, and round trips of every format's metadata.
final class ChannelConversionTests: XCTestCase {
    /// Stored 16-bit depth units (millimetres by default) and the metres they mean; 0 = missing.
    static let depthStored: [Float] = [0, 1000, 1234, 65535, 500, 2]
    static let depthMeters: [Float] = [.nan, 1.0, 1.234, 65.535, 0.5, 0.002]

    func writeDepthPNG(_ url: URL) throws {
        try PNGCodec.write(RawImage(tensor: Tensor(shape: [1, 2, 3], values: Self.depthStored), dtype: .uint16), to: url)
    }

    func testDepthMetresInTIFFAndNPYWithNaNHoles() throws {
        let dir = try ConvertFixtures.scratch("depth")
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = dir.appendingPathComponent("d.png")
        try writeDepthPNG(png)
        let depth = try ModalityRegistry.standard.require("depth")
        let out = dir.appendingPathComponent("out")
        _ = try ConvertFixtures.convert([png], modality: depth, writer: ChannelFileWriter(format: .tiff), out: out)
        let (tiff, meta) = try ConvertFixtures.readTIFF(out.appendingPathComponent("d.tif"))
        XCTAssertEqual(tiff.shape, [1, 2, 3])
        for (a, e) in zip(tiff.scalars, Self.depthMeters) { e.isNaN ? XCTAssertTrue(a.isNaN) : XCTAssertEqual(a, e, accuracy: 1e-6) }
        XCTAssertEqual(meta?.channels, [ChannelFileMetadata.Channel(name: "depth", unit: "m", kind: "depth")])
        XCTAssertEqual(meta?.invalid, "NaN")
        XCTAssertEqual(meta?.shape, [1, 2, 3])

        _ = try ConvertFixtures.convert([png], modality: depth, writer: ChannelFileWriter(format: .npy, channels: ["depth", "valid"]), out: out)
        let npy = try XCTUnwrap(NPY.read(out.appendingPathComponent("d.npy")).tensors.first?.tensor)
        XCTAssertEqual(npy.shape, [2, 2, 3])
        for (a, e) in zip(npy.scalars.prefix(6), Self.depthMeters) { e.isNaN ? XCTAssertTrue(a.isNaN) : XCTAssertEqual(a, e, accuracy: 1e-6) }
        XCTAssertEqual(Array(npy.scalars.suffix(6)), [0, 1, 1, 1, 1, 1])
        let sidecar = try XCTUnwrap(ChannelFileMetadata.find(for: out.appendingPathComponent("d.npy")))
        XCTAssertEqual(sidecar.channels.map(\.name), ["depth", "valid"])
        XCTAssertEqual(sidecar.channels.map(\.kind), ["depth", "mask"])
    }

    /// PNG: millimetre codes (0 where missing) and the mask channel, the scale stated in the sidecar.
    func testDepthPNGStatesItsScale() throws {
        let dir = try ConvertFixtures.scratch("depthpng")
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = dir.appendingPathComponent("d.png")
        try writeDepthPNG(png)
        let out = dir.appendingPathComponent("out")
        _ = try ConvertFixtures.convert([png], modality: try ModalityRegistry.standard.require("depth"),
                                        writer: ChannelFileWriter(format: .png, channels: ["depth", "valid"]), out: out)
        XCTAssertEqual(try PNGCodec.read(out.appendingPathComponent("d_depth.png")).toTensor().scalars, Self.depthStored)
        XCTAssertEqual(try PNGCodec.read(out.appendingPathComponent("d_valid.png")).toTensor().scalars, [0, 1, 1, 1, 1, 1])
        let meta = try XCTUnwrap(ChannelFileMetadata.find(for: out.appendingPathComponent("d_depth.png")))
        XCTAssertEqual(meta.channels[0].scale, 0.001)
        XCTAssertEqual(meta.channels[0].offset, 0)
        XCTAssertEqual(meta.channels[0].file, "d_depth.png")
        XCTAssertEqual(meta.invalid, "0")
    }

    /// A JSON plugin: physical = stored × 0.5 − 10, the stored value 7 invalid (NaN).
    func testPluginScaleOffsetAndInvalidValues() throws {
        let dir = try ConvertFixtures.scratch("plugin")
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = dir.appendingPathComponent("probe.json")
        try Data("""
        {"identifier": "probe", "channels": [
          {"name": "signal", "unit": "mV", "kind": "intensity", "file": "{id}.png", "scale": 0.5, "offset": -10, "invalidValues": [7]}]}
        """.utf8).write(to: spec)
        var registry = ModalityRegistry.standard
        try registry.registerPlugin(at: spec)
        let png = dir.appendingPathComponent("s.png")
        try PNGCodec.write(RawImage(tensor: Tensor(shape: [1, 1, 4], values: [7, 20, 100, 65535]), dtype: .uint16), to: png)
        let out = dir.appendingPathComponent("out")
        _ = try ConvertFixtures.convert([png], modality: try registry.require("probe"), writer: ChannelFileWriter(format: .npy), out: out)
        let v = try XCTUnwrap(NPY.read(out.appendingPathComponent("s.npy")).tensors.first?.tensor).scalars
        XCTAssertTrue(v[0].isNaN)
        XCTAssertEqual(Array(v[1...]), [0, 40, 32757.5])
        let meta = try XCTUnwrap(ChannelFileMetadata.find(for: out.appendingPathComponent("s.npy")))
        XCTAssertEqual(meta.modality, "probe")
        XCTAssertEqual(meta.channels, [ChannelFileMetadata.Channel(name: "signal", unit: "mV", kind: "intensity")])
    }

    /// A DICOM series folder → one NIfTI whose affine is `DICOMSeries.affine` and whose values are the series' HU.
    func testDICOMSeriesToNIfTIKeepsTheAffine() throws {
        let out = try ConvertFixtures.scratch("dicom")
        defer { try? FileManager.default.removeItem(at: out) }
        let folder = ConvertFixtures.volume.appendingPathComponent("dicom_oblique")
        let done = try ConvertFixtures.convert([folder], modality: try ModalityRegistry.standard.require("ct"),
                                               writer: ChannelFileWriter(format: .nifti), out: out)
        XCTAssertEqual(done.first?.outputs.map { URL(fileURLWithPath: $0).lastPathComponent }, ["dicom_oblique.nii.gz", "dicom_oblique.json"])
        let nifti = try NIfTIVolume(contentsOf: out.appendingPathComponent("dicom_oblique.nii.gz"))
        let series = try DICOMSeries(folder: folder)
        for (a, e) in zip(nifti.header.affine.rows.joined(), series.affine.rows.joined()) { XCTAssertEqual(a, e, accuracy: 1e-4) }
        XCTAssertEqual(nifti.scaledValues().scalars, try series.modalityValues().scalars)
        let meta = try XCTUnwrap(ChannelFileMetadata.find(for: out.appendingPathComponent("dicom_oblique.nii.gz")))
        XCTAssertEqual(meta.channels.map(\.unit), ["HU"])
    }

    /// A folder keeps its relative paths; a bad file among good ones fails alone, named, and leaves no output.
    func testFolderKeepsRelativePathsAndIsolatesFailures() throws {
        let dir = try ConvertFixtures.scratch("folder")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in")
        for sub in ["a", "b/c"] { try FileManager.default.createDirectory(at: input.appendingPathComponent(sub), withIntermediateDirectories: true) }
        try writeDepthPNG(input.appendingPathComponent("a/x.png"))
        try writeDepthPNG(input.appendingPathComponent("b/c/y.png"))
        try Data("not an image".utf8).write(to: input.appendingPathComponent("b/bad.png"))
        let depth = try ModalityRegistry.standard.require("depth")
        let jobs = try ConversionInputs.jobs([input.path], modality: depth)
        XCTAssertEqual(jobs.map(\.output), ["a/x", "b/bad", "b/c/y"])
        let out = dir.appendingPathComponent("out")
        let r = ChannelConversion(modality: depth, writer: ChannelFileWriter(format: .tiff)).run(jobs, into: out)
        XCTAssertEqual(r.converted.count, 2)
        XCTAssertEqual(r.failed.map(\.input), [input.appendingPathComponent("b/bad.png").path])
        for p in ["a/x.tif", "b/c/y.tif"] { XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(p).path), p) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("b/bad.tif").path))
    }

    /// A composite (`rgb+depth`) from a folder: its sample patterns pair the files; RGB 8-bit / 255, depth in
    /// metres with NaN holes, both sources named.
    func testCompositeFolderPairsItsParts() throws {
        let dir = try ConvertFixtures.scratch("composite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in")
        for sub in ["rgb", "depth"] { try FileManager.default.createDirectory(at: input.appendingPathComponent(sub), withIntermediateDirectories: true) }
        try PNGCodec.write(RawImage(tensor: Tensor(shape: [3, 2, 3], values: (0..<18).map { Float($0 * 15) }), dtype: .uint8),
                           to: input.appendingPathComponent("rgb/s.png"))
        try writeDepthPNG(input.appendingPathComponent("depth/s.png"))
        let modality = try ModalityRegistry.standard.require("rgb+depth")
        let out = dir.appendingPathComponent("out")
        _ = try ConvertFixtures.convert([input], modality: modality, writer: ChannelFileWriter(format: .npy), out: out)
        let v = try XCTUnwrap(NPY.read(out.appendingPathComponent("rgb/s.npy")).tensors.first?.tensor)
        XCTAssertEqual(v.shape, [4, 2, 3])
        // The composite's valid mask is the depth's: a hole is NaN in every channel.
        for i in 0..<6 {
            for c in 0..<3 {
                let x = v.scalars[c * 6 + i]
                i == 0 ? XCTAssertTrue(x.isNaN) : XCTAssertEqual(x, Float((c * 6 + i) * 15) / 255, accuracy: 1e-6)
            }
            let d = v.scalars[18 + i]
            Self.depthMeters[i].isNaN ? XCTAssertTrue(d.isNaN) : XCTAssertEqual(d, Self.depthMeters[i], accuracy: 1e-6)
        }
        let meta = try XCTUnwrap(ChannelFileMetadata.find(for: out.appendingPathComponent("rgb/s.npy")))
        XCTAssertEqual(meta.channels.map(\.name), ["R", "G", "B", "depth"])
        XCTAssertEqual(meta.source.map { URL(fileURLWithPath: $0).pathComponents.suffix(2).joined(separator: "/") }, ["rgb/s.png", "depth/s.png"])
    }

    /// CT windows for PNG slices: DICOM's linear VOI rule (C 40, W 400) scaled to 0…255, by hand:
    /// −1000 → 0; 40 → ((40 − 39.5) / 399 + 0.5) · 255 = 127.8 → 128; 239.5 > 39.5 + 199.5 → 255; 1000 → 255.
    func testWindowedHounsfieldCodes() {
        let q = PNGQuantization.choose(kind: "hounsfield", period: nil, values: [], bits: 8, window: .softTissue)
        XCTAssertEqual([-1000, 40, 239.5, 1000].map { q.code($0) }, [0, 128, 255, 255])
        let plain = PNGQuantization.choose(kind: "hounsfield", period: nil, values: [], bits: 16, window: nil)
        XCTAssertEqual(plain.code(-1024), 31744)
        XCTAssertEqual(Double(plain.code(-1024)) * plain.scale + plain.offset, -1024)
    }

    func testUnknownChannelIsRefused() throws {
        let depth = try ModalityRegistry.standard.require("depth")
        XCTAssertThrowsError(try ChannelFileWriter(format: .tiff, channels: ["temperature"]).selection(depth.channels)) {
            XCTAssertTrue("\($0.localizedDescription)".contains("temperature"))
        }
    }
}
