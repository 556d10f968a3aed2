import Foundation
@testable import Modalities
import Transforms
import XCTest

/// JSON plugins: decoding real files with no Swift code, round trips, and bad specs rejected by field.
final class DeclarativeModalityTests: XCTestCase {
    static let sentinelSpec = """
    {
      "identifier": "sentinel2-red-nir",
      "summary": "Sentinel-2 red and NIR reflectance",
      "channels": [
        {"name": "R", "unit": "1", "kind": "intensity", "file": "images/{id}.tif", "band": 2, "scale": 0.0001, "invalidValues": [9999]},
        {"name": "NIR", "unit": "1", "kind": "intensity", "file": "images/{id}.tif", "band": 3, "scale": 0.0001, "invalidValues": [9999]}
      ],
      "label": "labels/{id}.png",
      "normalization": {"mean": [0.05, 0.25], "std": [0.03, 0.1]}
    }
    """

    func testSentinelSpecDecodesTheRealCropLikeTifffile() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "images/real_sentinel2_crop.tif", to: "images/tile.tif")
        try data.write(Data(Self.sentinelSpec.utf8), to: "plugin/sentinel.json")
        var registry = ModalityRegistry()
        let plugin = try registry.registerPlugin(at: data.root.appendingPathComponent("plugin/sentinel.json"))
        XCTAssertEqual(registry.identifiers, ["sentinel2-red-nir"])
        XCTAssertEqual(plugin.channels.map(\.name), ["R", "NIR"])
        XCTAssertEqual(plugin.normalization?.std, [0.03, 0.1])
        let samples = try plugin.samples(in: data.root)
        XCTAssertEqual(samples, [SampleFiles(id: "tile", inputs: ["images/tile.tif"])], "both channels share one file; no label present")
        let image = try plugin.decode(samples[0], root: data.root)
        let ref = try Fixtures.imageReference("real_sentinel2_crop_tif.bin", dtype: "uint16")
        let n = 48 * 40, v = image.values.scalars, mask = image.validMask?.scalars ?? [Float](repeating: 1, count: n)
        for (c, band) in [2, 3].enumerated() {
            for p in 0..<n {
                let stored = ref[p * 4 + band]
                if stored == 9999 { XCTAssertEqual(mask[p], 0) } else { XCTAssertEqual(Double(v[c * n + p]), stored * 1e-4, accuracy: 1e-7) }
            }
        }
    }

    func testRawFormatReadsARealSenseLikeDump() throws {
        let data = try ScratchDataset()
        var bytes = Data([3, 0, 0, 0, 2, 0, 0, 0])  // height 3, width 2
        for u: UInt16 in [0, 1000, 2000, 3000, 65535, 7] { withUnsafeBytes(of: u.littleEndian) { bytes.append(contentsOf: $0) } }
        try data.write(bytes, to: "raw/f.bin")
        let spec = DeclarativeModalitySpec(identifier: "raw-depth", channels: [
            .init(name: "depth", unit: "m", kind: "depth", file: "raw/{id}.bin", format: "raw", scale: 0.001, invalidValues: [0, 65535],
                  dtype: "uint16", width: 2, height: 3, byteOffset: 8),
        ])
        let m = try DeclarativeModality(spec: spec)
        let image = try m.decode(try XCTUnwrap(m.samples(in: data.root).first), root: data.root)
        XCTAssertEqual(image.values.shape, [1, 3, 2])
        assertClose(image.values.scalars, [0, 1, 2, 3, 0, 0.007], tolerance: 1e-7)
        XCTAssertEqual(image.validMask?.scalars, [0, 1, 1, 1, 0, 1])
        XCTAssertEqual(image.channels[0].kind, .depth)
        let viaHeader = try DeclarativeModality(spec: DeclarativeModalitySpec(identifier: "rs", channels: [
            .init(name: "depth", unit: "m", kind: "depth", file: "raw/{id}.bin", format: "realsense", scale: 0.001, invalidValues: [0, 65535]),
        ]))
        XCTAssertEqual(try viaHeader.decode(try XCTUnwrap(viaHeader.samples(in: data.root).first), root: data.root).values.scalars,
                       image.values.scalars)
    }

    func testSpecRoundTrips() throws {
        let spec = try DeclarativeModalitySpec.parse(Data(Self.sentinelSpec.utf8), file: "s.json")
        let again = try DeclarativeModalitySpec.parse(try spec.encoded(), file: "again.json")
        XCTAssertEqual(spec, again)
        XCTAssertEqual(spec.channels[1].band, 3)
        let angle = DeclarativeModalitySpec(identifier: "aolp", channels: [.init(name: "AoLP", unit: "rad", kind: "angle", period: .pi, file: "{id}.tif")])
        XCTAssertEqual(try DeclarativeModalitySpec.parse(try angle.encoded(), file: "a.json"), angle)
        XCTAssertEqual(try DeclarativeModality(spec: angle).channels[0].kind, .angle(period: .pi))
    }

    func testBadSpecsAreRejectedNamingTheField() throws {
        func error(_ edit: (inout [String: Any]) -> Void) -> String {
            var object = try! JSONSerialization.jsonObject(with: Data(Self.sentinelSpec.utf8)) as! [String: Any]
            edit(&object)
            let data = try! JSONSerialization.data(withJSONObject: object)
            return message { _ = try DeclarativeModalitySpec.parse(data, file: "bad.json") }
        }
        func channel(_ i: Int, _ key: String, _ value: Any?) -> (inout [String: Any]) -> Void {
            { o in var cs = o["channels"] as! [[String: Any]]; cs[i][key] = value; o["channels"] = cs }
        }
        XCTAssertEqual(error(channel(1, "kind", "heat")),
                       "bad.json: channels[1].kind: expected one of intensity, angle, depth, temperature, hounsfield, label, got \"heat\"")
        XCTAssertTrue(error(channel(0, "scael", 2)).hasPrefix("bad.json: channels[0].scael: expected one of the keys"))
        XCTAssertEqual(error(channel(0, "name", nil)), "bad.json: channels[0].name: expected present, got missing")
        XCTAssertEqual(error(channel(0, "band", "two")), "bad.json: channels[0].band: expected a value of type Int, got another type")
        XCTAssertEqual(error(channel(0, "file", "images/tile.tif")),
                       "bad.json: channels[0].file: expected a relative path with exactly one {id}, got \"images/tile.tif\"")
        XCTAssertEqual(error(channel(0, "file", "../{id}.tif")),
                       "bad.json: channels[0].file: expected a path inside the dataset folder, got \"../{id}.tif\"")
        XCTAssertEqual(error(channel(0, "kind", "angle")), "bad.json: channels[0].period: expected a period > 0 in radians for an angle channel, got missing")
        XCTAssertEqual(error(channel(0, "format", "raw")), "bad.json: channels[0].dtype: expected one of bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float16, bfloat16, float32, float64 for raw files, got missing")
        XCTAssertEqual(error(channel(0, "width", 3)), "bad.json: channels[0].width: expected no width (it applies to format \"raw\" only), got 3")
        XCTAssertEqual(error(channel(0, "scale", 0)), "bad.json: channels[0].scale: expected a finite non-zero number, got 0.0")
        XCTAssertEqual(error { $0["normalization"] = ["mean": [0.1], "std": [1, 1]] },
                       "bad.json: normalization.mean: expected 2 values (one per channel), got 1")
        XCTAssertEqual(error { $0["channels"] = [] as [Any] }, "bad.json: channels: expected at least one channel, got []")
        XCTAssertEqual(error { $0["identifier"] = "a+b" },
                       "bad.json: identifier: expected a non-empty name of letters, digits, '-', '_' or '.', got \"a+b\"")
        XCTAssertEqual(error { $0.removeValue(forKey: "identifier") }, "bad.json: identifier: expected present, got missing")
        XCTAssertEqual(message { _ = try DeclarativeModalitySpec.parse(Data("[1]".utf8), file: "bad.json") },
                       "bad.json: (document): expected a JSON object, got Array<Any>")
    }

    func testFilesThatDoNotFitTheSpecAreNamed() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "images/png_gray8.png", to: "images/small.tif")  // a PNG named .tif: found by content
        try data.copy(fixture: "images/real_sentinel2_crop.tif", to: "other/small.tif")
        let spec = DeclarativeModalitySpec(identifier: "two", channels: [
            .init(name: "a", unit: "1", kind: "intensity", file: "images/{id}.tif"),
            .init(name: "b", unit: "1", kind: "intensity", file: "other/{id}.tif", band: 5),
        ])
        let m = try DeclarativeModality(spec: spec)
        let s = try XCTUnwrap(m.samples(in: data.root).first)
        XCTAssertEqual(message { _ = try m.decode(s, root: data.root) }, "other/small.tif: channels[1].band: expected below the file's 4 channels, got 5")
        var fixed = spec
        fixed.channels[1].band = 0
        XCTAssertEqual(message { _ = try DeclarativeModality(spec: fixed).decode(s, root: data.root) },
                       "other/small.tif: channels[1] (b): expected shape [7, 13], got [48, 40]")
    }
}
