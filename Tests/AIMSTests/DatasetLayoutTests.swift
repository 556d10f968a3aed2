import AIMS
import Foundation
import Modalities
import TestDatasets
import XCTest

/// The five SimCMF dataset layouts and the generic one on tiny folders written here: splits, ids, skip rules,
/// list and CSV parsing, path quirks, and the decoded channels of the reference modalities.
final class DatasetLayoutTests: XCTestCase {
    private var roots: [URL] = []
    override func tearDown() { for r in roots { try? FileManager.default.removeItem(at: r) } }

    private func root(_ name: String) throws -> URL { let r = try ReferenceDatasets.temporaryRoot(name); roots.append(r); return r }

    static func build(_ layout: String, _ modality: String, _ root: URL, spec: GenericLayoutSpec? = nil, seed: UInt64 = 8888, threads: Int = 2) throws -> Manifest {
        var b = ManifestBuilder(layout: try DatasetLayouts.layout(layout, generic: spec), modality: try ModalityRegistry.standard.require(modality),
                                root: root, rootRecord: ".")
        b.seed = seed
        b.threads = threads
        return try b.build()
    }

    func testZJU() throws {
        let r = try root("zju")
        try ReferenceDatasets.zju(at: r, train: [1, 2], val: [1, 3])
        let m = try Self.build("zju-rgbp", "zju-rgbp", r)
        XCTAssertEqual(m.splits.train, ["train/1", "train/2"])
        XCTAssertEqual(m.splits.test, ["test/1", "test/3"])
        XCTAssertTrue(m.splits.official)
        XCTAssertEqual(m.report.problems, [])
        let s = try XCTUnwrap(m.samples.first { $0.id == "test/3" })
        XCTAssertEqual(s.files.inputs, ["val/0/3_0°.png", "val/45/3_45°.png", "val/90/3_90°.png", "val/135/3_135°.png"])
        XCTAssertEqual(s.files.label, "val/label_sam/3.png")
        XCTAssertEqual(m.statistics.channels.count, 9)
        // Each 8x8 label pixel is 128 x 128 at 1024: region 1 = 9 pixels, region 2 = 4; T = 10000 keeps both.
        XCTAssertEqual(s.regionPixels1024, ["0": 51 * 16384, "1": 9 * 16384, "2": 4 * 16384])
        XCTAssertEqual(s.regionsTrainRule, 2); XCTAssertEqual(s.regionsTestRule, 2)
        XCTAssertEqual(m.regions.threshold, 10000)
        // The I channels of the ZJU encoding: 0.5 (I0 + I45 + I90 + I135) + 1e-4 per colour, mean over the training split.
        var sum = 0.0
        for n in [1, 2] { for y in 0..<8 { for x in 0..<8 {
            sum += 0.5 * Double((0..<4).map { ReferenceDatasets.value(key: n, channel: 3 * $0, y: y, x: x) }.reduce(0, +)) + 1e-4
        } } }
        XCTAssertEqual(m.statistics.channels[0].mean, sum / 128, accuracy: 1e-3)
        XCTAssertEqual(m.referenceNormalization?.mean.first ?? 0, 141.1251, accuracy: 1e-9)
    }

    func testPGSNetSkipsAndReplaceQuirk() throws {
        let r = try root("pgsnet")
        try ReferenceDatasets.pgsnet(at: r, train: ["20210101000001", "20210808013065", "rgbcam0002"], test: ["20210101000003"])
        let m = try Self.build("pgsnet", "pgsnet_rgbp", r)
        XCTAssertEqual(m.splits.train, ["train/20210101000001"])
        XCTAssertEqual(m.splits.test, ["test/20210101000003"])
        XCTAssertTrue(m.report.referenceQuirks.contains { $0.file == "train/image/20210808013065_rgb.tiff" && $0.detail.contains("skip") })
        // str.replace hits every occurrence: "rgbcam0002" becomes "aolpcam0002" in the AoLP path, which does not exist.
        XCTAssertTrue(m.report.problems.contains { $0.file == "train/aolp/aolpcam0002_aolp.tiff" && $0.problem == .missing }, "\(m.report.problems)")
        let s = try XCTUnwrap(m.samples.first { $0.id == "train/20210101000001" })
        XCTAssertEqual(s.files.inputs, ["train/image/20210101000001_rgb.tiff", "train/aolp/20210101000001_aolp.tiff", "train/dolp/20210101000001_dolp.tiff"])
        XCTAssertEqual(s.files.label, "train/instance_mask/20210101000001_instance_mask.png")
        // 9 channels = stored bytes / 255 with channel offsets 0..8 of key 1 (one training sample).
        for c in 0..<9 {
            let vals = (0..<64).map { Double(ReferenceDatasets.value(key: 1, channel: c, y: $0 / 8, x: $0 % 8)) / 255 }
            let mean = vals.reduce(0, +) / 64
            XCTAssertEqual(m.statistics.channels[c].mean, mean, accuracy: 1e-6)
            XCTAssertEqual(m.statistics.channels[c].std, (vals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 64).squareRoot(), accuracy: 1e-6)
        }
        XCTAssertEqual(m.regions.threshold, 100)
    }

    func testNYUListsAndDepthTruncation() throws {
        let r = try root("nyu")
        try ReferenceDatasets.nyu(at: r, train: [1, 2, 3], test: [398, 5])
        let m = try Self.build("nyudepthv2", "rgbd", r)
        XCTAssertEqual(m.splits.train, ["1", "2", "3"]); XCTAssertEqual(m.splits.test, ["398", "5"])
        XCTAssertEqual(m.report.problems, [])
        XCTAssertTrue(m.report.referenceQuirks.contains { $0.file == "RGB/398.png" })
        XCTAssertEqual(m.samples.first { $0.id == "2" }?.files.inputs, ["RGB/2.png", "Depth/2.npy"])
        XCTAssertNil(m.regions.threshold)
        // Depth: ramp 1000 + 7k + n → min-max x 255, truncated → k*255/63 floored, / 255 (identical for every image).
        let d = (0..<64).map { k -> Double in Double(Int(Double(7 * k) / Double(7 * 63) * 255)) / 255 }
        let mean = d.reduce(0, +) / 64
        XCTAssertEqual(m.statistics.channels[3].mean, mean, accuracy: 1e-6)
        XCTAssertEqual(m.statistics.channels[3].std, (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 64).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(m.statistics.channels[3].max, 1, accuracy: 1e-7)
        XCTAssertEqual(m.statistics.channels[3].count, 3 * 64)
        // RGB over the 3 training images.
        let rgb = [1, 2, 3].flatMap { n in (0..<64).map { Double(ReferenceDatasets.value(key: n, channel: 1, y: $0 / 8, x: $0 % 8)) / 255 } }
        XCTAssertEqual(m.statistics.channels[1].mean, rgb.reduce(0, +) / 192, accuracy: 1e-6)
    }

    func testIVRGCSV() throws {
        let r = try root("ivrg")
        try ReferenceDatasets.ivrg(at: r, train: [("country", 1), ("field", 2)], test: [("country", 3)])
        let m = try Self.build("ivrg-rgbnir", "rgbnir", r)
        XCTAssertEqual(m.splits.train, ["country/0001", "field/0002"]); XCTAssertEqual(m.splits.test, ["country/0003"])
        XCTAssertEqual(m.report.problems, [])
        XCTAssertEqual(m.samples[0].files.inputs, ["Outdoor_dataset/country/RGBimages/0001_rgb.png", "Outdoor_dataset/country/NIRimages/0001_nir.png"])
        XCTAssertEqual(m.samples[0].files.label, "Outdoor_dataset/country/masks/0001_mask.png")
        // NIR is grey (convert('L') leaves it): channel offset 3 of keys 1 and 2.
        let nir = [1, 2].flatMap { n in (0..<64).map { Double(ReferenceDatasets.value(key: n, channel: 3, y: $0 / 8, x: $0 % 8)) / 255 } }
        XCTAssertEqual(m.statistics.channels[3].mean, nir.reduce(0, +) / 128, accuracy: 1e-6)
        XCTAssertEqual(m.regions.threshold, 1000)
    }

    func testRGBThermalCSVPathsNotJoined() throws {
        let r = try root("rgbt")
        try ReferenceDatasets.rgbt(at: r, train: [("a", 1), ("b", 2)], test: [("a", 3)])
        let m = try Self.build("rgb-thermal-glass", "rgbt", r)
        XCTAssertEqual(m.splits.train, ["a/1", "b/2"]); XCTAssertEqual(m.splits.test, ["a/3"])
        XCTAssertEqual(m.report.problems, [])
        XCTAssertEqual(m.samples[0].files.inputs, ["a/1_rgb.png", "a/1_temperature.npy"])
        XCTAssertEqual(m.report.referenceQuirks.count, 3)
        XCTAssertTrue(m.report.referenceQuirks.contains { $0.detail.contains("\"./data/RGB-Thermal-Glass/a/1_rgb.png\" read as a/1_rgb.png") },
                      "\(m.report.referenceQuirks)")
        // Temperature pixel k = 21 of the ramp: floor(21 * 255 / 63) / 255.
        let thermal = try ModalityRegistry.standard.require("t")
        let t = try thermal.decode(m.samples[0].files.with(inputs: ["a/1_temperature.npy"]), root: r)
        XCTAssertEqual(t.values.withUnsafeBufferPointer { Double($0[21]) }, Double(Int(21.0 * 255 / 63)) / 255, accuracy: 1e-7)
    }

    func testGenericSeededSplitAndLists() throws {
        let r = try root("generic")
        try ReferenceDatasets.nyu(at: r, train: Array(1...8), test: [])
        let spec = GenericLayoutSpec(inputs: ["RGB/{id}.png"], label: "Mask_gt/{id}.png", testFraction: 0.25)
        let a = try Self.build("generic", "rgb", r, spec: spec, seed: 1)
        XCTAssertFalse(a.splits.official)
        XCTAssertEqual(a.splits.test.count, 2); XCTAssertEqual(a.splits.train.count, 6)
        XCTAssertTrue(Set(a.splits.test).isDisjoint(with: a.splits.train))
        XCTAssertEqual(try Self.build("generic", "rgb", r, spec: spec, seed: 1).splits, a.splits)
        let others = try (2..<6).map { try Self.build("generic", "rgb", r, spec: spec, seed: UInt64($0)).splits.test }
        XCTAssertTrue(others.contains { $0 != a.splits.test })
        // With id lists.
        try Data("1\n2\n3\n".utf8).write(to: r.appendingPathComponent("tr.txt"))
        try Data("7\n".utf8).write(to: r.appendingPathComponent("te.txt"))
        let listed = try Self.build("generic", "rgb", r, spec: GenericLayoutSpec(inputs: ["RGB/{id}.png"], label: "Mask_gt/{id}.png",
                                                                                 splitLists: ["train": "tr.txt", "test": "te.txt"]))
        XCTAssertEqual(listed.splits.train, ["1", "2", "3"]); XCTAssertEqual(listed.splits.test, ["7"])
        // The validation scheme: val carved from train, disjoint, train = validationTrain + val.
        XCTAssertEqual(Set(a.splits.validationTrain + a.splits.val), Set(a.splits.train))
        XCTAssertEqual(a.splits.val.count, 1)
    }
}

extension SampleFiles {
    func with(inputs: [String]) -> SampleFiles { SampleFiles(id: id, inputs: inputs, label: label) }
}
