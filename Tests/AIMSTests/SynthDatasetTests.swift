import Foundation
import ImageIO
import Modalities
import Transforms
import XCTest
@testable import AIMS

/// Sampled datasets: every convention loads through its built-in modality, files are deterministic per seed.
final class SynthDatasetTests: XCTestCase {
    var dirs: [URL] = []

    override func tearDown() { for d in dirs { try? FileManager.default.removeItem(at: d) } }

    func temp() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aims-synth-\(UUID().uuidString)")
        dirs.append(url)
        return url
    }

    static var options: SynthOptions {
        var o = SynthOptions()
        (o.width, o.height) = (32, 24)
        o.valFraction = 0.4
        return o
    }

    func write(seed: UInt64, to root: URL) throws -> SynthDatasetWriter.Manifest {
        try SynthDatasetWriter(seed: seed, options: Self.options).write(scenes: 5, to: root)
    }

    /// PGSNet's TIFFs hold, per colour, 255·DoLP and 255·AoLP/π of the renderer's Stokes vectors (noise off), computed
    /// here from S0, S1, S2, and the pgsnet layout reads them as pgsnet_p's six channels.
    func testPGSNetImagesHoldAoLPAndDoLPOfTheStokesVectors() throws {
        var o = Self.options
        o.noise = 0
        o.conventions = [.pgsnet]
        let root = temp()
        let manifest = try SynthDatasetWriter(seed: 3, options: o).write(scenes: 3, to: root)
        let id = manifest.train[0]
        let frame = SynthRenderer(scene: SynthSceneSampler(seed: 3, options: o).scene(index: Int(id)!, count: 3)).render()
        let dolp = try TIFFCodec.read(root.appendingPathComponent("PGSNet/train/dolp/\(id)_dolp.tiff"))
        let aolp = try TIFFCodec.read(root.appendingPathComponent("PGSNet/train/aolp/\(id)_aolp.tiff"))
        XCTAssertEqual([dolp.channels, aolp.channels], [3, 3])
        var checked = 0
        for p in stride(from: 0, to: frame.width * frame.height, by: 7) {
            for c in 0..<3 {
                let (s0, s1, s2) = (Double(frame.stokes[c][0][p]), Double(frame.stokes[c][1][p]), Double(frame.stokes[c][2][p]))
                guard s0 > 1e-3 else { continue }
                let d = min(1, (s1 * s1 + s2 * s2).squareRoot() / s0)
                XCTAssertEqual(Double(dolp.bytes[p * 3 + c]), 255 * d, accuracy: 0.5 + 1e-6)
                guard d > 0.02 else { continue }   // AoLP of nearly unpolarized light is ill-defined
                let a = (atan2(s2, s1) / 2 + .pi).truncatingRemainder(dividingBy: .pi)
                let stored = Double(aolp.bytes[p * 3 + c]) / 255 * .pi
                // Angles wrap at π (0 and 255 are neighbours).
                XCTAssertLessThan(min(abs(stored - a), .pi - abs(stored - a)), 0.5 / 255 * .pi + 1e-6)
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20)
        let built = try ManifestBuilder(layout: PGSNetLayout(), modality: try ModalityRegistry.standard.require("pgsnet_p"),
                                        root: root.appendingPathComponent("PGSNet"), rootRecord: ".").build()
        XCTAssertEqual(built.samples.count, 3)
        XCTAssertEqual(built.modality.channels.count, 6)
    }

    func testEveryConventionLoadsThroughItsBuiltInModality() throws {
        let root = temp()
        let manifest = try write(seed: 11, to: root)
        XCTAssertEqual(manifest.train.count, 3)
        XCTAssertEqual(manifest.validation.count, 2)
        let all = (manifest.train + manifest.validation).sorted()
        let registry = ModalityRegistry.standard
        func check(_ identifier: String, _ folder: URL, _ ids: [String], channels: Int) throws {
            let m = try registry.require(identifier)
            let samples = try m.samples(in: folder)
            XCTAssertEqual(samples.map(\.id).sorted(), ids, identifier)
            for s in samples {
                let t = try m.transformSample(s, root: folder)
                XCTAssertEqual(t.image.values.shape, [channels, 24, 32], identifier)
                XCTAssertNotNil(t.label, identifier)
            }
        }
        for id in ["rgb", "depth", "nir", "thermal"] { try check(id, root, all, channels: 1 + (id == "rgb" ? 2 : 0)) }
        try check("polarization-mono", root, all, channels: 3)
        try check("zju-rgbp-mosaic", root, all, channels: 9)
        try check("zju-rgbp-mono", root, all, channels: 9)
        for (split, ids) in [("train", manifest.train), ("val", manifest.validation)] {
            try check("zju-rgbp", root.appendingPathComponent("zju-rgbp/\(split)"), ids.sorted(), channels: 9)
            try check("polarization-4angle", root.appendingPathComponent("zju-rgbp/\(split)"), ids.sorted(), channels: 9)
        }
        // The NYU float depth and the RGB-T temperature arrays agree with the built-in depth PNG and FLIR FFF.
        let npyDepth = try DepthModality(identifier: "nyu-depth", pattern: "NYUDepthv2/Depth/{id}.npy", label: "NYUDepthv2/Mask_gt/{id}.png")
        let rgbt = try ThermalModality(identifier: "rgbt", pattern: "RGB-Thermal-Glass/images/{id}_temperature.npy",
                                       label: "RGB-Thermal-Glass/images/{id}_mask.png")
        let depth = try registry.require("depth"), thermal = try registry.require("thermal")
        for id in all {
            let s = SampleFiles(id: id, inputs: ["depth/\(id).png"], label: "labels/\(id).png")
            let a = try depth.decode(s, root: root).values.scalars
            let b = try npyDepth.decode(try XCTUnwrap(npyDepth.samples(in: root).first { $0.id == id }), root: root).values.scalars
            for i in a.indices { XCTAssertEqual(a[i], b[i], accuracy: 0.0005 + 1e-6) }
            let tf = try thermal.decode(SampleFiles(id: id, inputs: ["thermal/\(id).fff"], label: nil), root: root).values.scalars
            let tn = try rgbt.decode(try XCTUnwrap(rgbt.samples(in: root).first { $0.id == id }), root: root).values.scalars
            for i in tf.indices { XCTAssertEqual(tf[i], tn[i], accuracy: 1e-3) }
        }
        // Lists: NYU first tab field, IVRG/RGB-T CSV rows; HHA images exist for every scene.
        let nyuTest = try String(contentsOf: root.appendingPathComponent("NYUDepthv2/test.txt"), encoding: .utf8)
        XCTAssertEqual(nyuTest.split(separator: "\n").map { String($0.split(separator: "\t")[0]) },
                       manifest.validation.map { "RGB/\($0).png" })
        let ivrg = try String(contentsOf: root.appendingPathComponent("IVRG_RGBNIR/IVRG-nir_train_GroundTruth.csv"), encoding: .utf8)
        XCTAssertEqual(ivrg.split(separator: "\n").count, 1 + manifest.train.count)
        for row in ivrg.split(separator: "\n").dropFirst() {
            for path in row.split(separator: ",") {
                XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("IVRG_RGBNIR/Outdoor_dataset/\(path)").path))
            }
        }
        for id in all { XCTAssertEqual(try PNGCodec.read(root.appendingPathComponent("NYUDepthv2/HHA/\(id).png")).channels, 3) }
        // Ground truth round-trips and the manifest's hashes are the files'.
        let scene = try JSONDecoder().decode(SynthScene.self, from: Data(contentsOf: root.appendingPathComponent("scenes/\(all[0]).json")))
        XCTAssertEqual(scene, SynthSceneSampler(seed: 11, options: Self.options).scene(index: 0, count: 5))
        for f in manifest.files.prefix(20) {
            XCTAssertEqual(f.sha256, try SHA256.hex(fileAt: root.appendingPathComponent(f.path)))
        }
    }

    func testSameSeedIsByteIdenticalAndOtherSeedsDiffer() throws {
        let a = temp(), b = temp(), c = temp()
        let ma = try write(seed: 5, to: a), mb = try write(seed: 5, to: b), mc = try write(seed: 6, to: c)
        XCTAssertEqual(ma, mb)
        XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent("synth.json")), try Data(contentsOf: b.appendingPathComponent("synth.json")))
        XCTAssertGreaterThan(ma.files.count, 100)
        let hashA = Dictionary(uniqueKeysWithValues: ma.files.map { ($0.path, $0.sha256) })
        let differing = mc.files.filter { hashA[$0.path] != nil && hashA[$0.path] != $0.sha256 }
        XCTAssertGreaterThan(differing.count, mc.files.count / 2)
        XCTAssertNotEqual(SynthSceneSampler(seed: 5, options: Self.options).scene(index: 0, count: 5),
                          SynthSceneSampler(seed: 6, options: Self.options).scene(index: 0, count: 5))
    }

    func testDefaultMixHasGlassAndRefusesToOverwrite() throws {
        let sampler = SynthSceneSampler(seed: 1, options: SynthOptions())
        for i in 0..<20 {
            let s = sampler.scene(index: i, count: 20)
            XCTAssertTrue((1...4).contains(s.objects.count))
            XCTAssertEqual(s.objects.first?.material.kind, .glass)
            for o in s.objects { XCTAssertTrue((1.3...1.8).contains(o.material.refractiveIndex)) }
        }
        let root = temp()
        _ = try write(seed: 1, to: root)
        XCTAssertThrowsError(try write(seed: 1, to: root)) { XCTAssertEqual($0 as? SynthError, .outputNotEmpty(path: root.path)) }
        XCTAssertNoThrow(try SynthDatasetWriter(seed: 1, options: Self.options).write(scenes: 5, to: root, force: true))
        var bad = Self.options
        bad.width = 33
        XCTAssertThrowsError(try SynthDatasetWriter(seed: 1, options: bad).write(scenes: 1, to: temp())) {
            guard case .invalidOption(let field, _, _)? = $0 as? SynthError else { return XCTFail("\($0)") }
            XCTAssertEqual(field, "size")
        }
    }

    func testFFFWriterRoundTripsThroughFLIRFile() throws {
        var writer = FLIRFFFWriter(planck: SynthThermalCamera.standardPlanck)
        writer.emissivity = 0.95
        writer.reflectedTemperatureCelsius = 21.5
        let counts: [UInt16] = [10000, 17000, 30000, 65535, 12345, 7]
        let frame = try XCTUnwrap(FLIRFile.frames(bytes: writer.encode(counts: counts, width: 3, height: 2), file: "t.fff").first)
        XCTAssertEqual(frame.cameraInfo.emissivity, 0.95, accuracy: 1e-6)
        XCTAssertEqual(frame.cameraInfo.reflectedApparentTemperature, 21.5, accuracy: 1e-4)
        XCTAssertEqual(frame.cameraInfo.planckConstants, SynthThermalCamera.standardPlanck)
        XCTAssertEqual(try frame.rawCounts().shape, [1, 2, 3])
        XCTAssertEqual(try frame.rawCounts().scalars, counts.map(Float.init))
    }
}
