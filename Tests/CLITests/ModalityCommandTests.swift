import Foundation
import ImageIO
import TensorCore
import TensorFiles
import Transforms
import XCTest

/// `aims modalities`, `aims convert polarization` and `aims hha` end to end on fixtures.
final class ModalityCommandTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("aims-cli-modalities-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    private func fixture(_ path: String) -> URL { AimsProcess.repository.appendingPathComponent("fixtures").appendingPathComponent(path) }

    private func copy(_ fixturePath: String, to relative: String) throws {
        let dst = scratch.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: dst.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture(fixturePath), to: dst)
    }

    /// Every file under `dir`, hidden ones included (temporary files start with '.').
    private func allFiles(_ dir: URL) -> [String] {
        (FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? []).filter {
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path, isDirectory: &d) && !d.boolValue
        }.sorted()
    }

    func testListShowsBuiltInsWithChannels() throws {
        let r = try AimsProcess.run(["modalities", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let byID = Dictionary(uniqueKeysWithValues: list.map { ($0["identifier"] as! String, $0) })
        for id in ["rgb", "polarization-mono", "zju-rgbp", "depth", "thermal", "nir-sentinel2", "ct", "nifti"] { XCTAssertNotNil(byID[id], id) }
        let zju = try XCTUnwrap(byID["zju-rgbp"]?["channels"] as? [[String: Any]])
        XCTAssertEqual(zju.count, 9)
        XCTAssertEqual(zju[3]["kind"] as? String, "angle(period 1.5708 rad)")
        XCTAssertEqual((byID["thermal"]?["channels"] as? [[String: Any]])?.first?["unit"] as? String, "°C")
        let text = try AimsProcess.run(["modalities"])
        XCTAssertTrue(text.stdout.contains("polarization-mono  (3 channels)"), text.stdout)
    }

    func testCheckValidatesAJSONPluginOnRealFiles() throws {
        let spec = """
        {"identifier": "sentinel2-nir", "channels": [
          {"name": "NIR", "unit": "1", "kind": "intensity", "file": "tiles/{id}.tif", "band": 3, "scale": 0.0001, "invalidValues": [9999]}]}
        """
        try Data(spec.utf8).write(to: scratch.appendingPathComponent("nir.json"))
        try copy("images/real_sentinel2_crop.tif", to: "data/tiles/a.tif")
        try copy("images/real_sentinel2_crop_planar_deflate.tif", to: "data/tiles/b.tif")
        try copy("images/png_gray8.png", to: "data/tiles/c.tif")  // one band only: must fail, naming the file
        let r = try AimsProcess.run(["modalities", "check", scratch.appendingPathComponent("nir.json").path,
                                     scratch.appendingPathComponent("data").path, "--json"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["samples"] as? Int, 3)
        XCTAssertEqual(report["decoded"] as? Int, 2)
        XCTAssertEqual(report["shapes"] as? [String: Int], ["1x48x40": 2])
        XCTAssertEqual(report["shapesAgree"] as? Bool, true)
        let failures = try XCTUnwrap(report["failures"] as? [[String: Any]])
        XCTAssertEqual(failures.first?["sample"] as? String, "c")
        XCTAssertEqual(failures.first?["error"] as? String, "tiles/c.tif: channels[0].band: expected below the file's 1 channels, got 3")
        // Statistics over valid pixels equal tifffile's band 4 × 1e-4 without the 9999s (both files hold the same crop).
        let raw = try Data(contentsOf: fixture("images/ref/real_sentinel2_crop_tif.bin"))
        let nir: [Double] = raw.withUnsafeBytes { b in stride(from: 3, to: raw.count / 2, by: 4).map { Double(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) } }
            .filter { $0 != 9999 }.map { $0 * 1e-4 }
        let stats = try XCTUnwrap((report["statistics"] as? [[String: Any]])?.first)
        XCTAssertEqual(stats["validPixels"] as? Int, 2 * nir.count)
        XCTAssertEqual(stats["mean"] as! Double, nir.reduce(0, +) / Double(nir.count), accuracy: 1e-6)
        XCTAssertEqual(stats["max"] as! Double, nir.max()!, accuracy: 1e-6)

        try FileManager.default.removeItem(at: scratch.appendingPathComponent("data/tiles/c.tif"))
        let ok = try AimsProcess.run(["modalities", "check", scratch.appendingPathComponent("nir.json").path, scratch.appendingPathComponent("data").path])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("sentinel2-nir: 2 samples"), ok.stdout)

        try Data(spec.replacingOccurrences(of: "\"band\"", with: "\"bnad\"").utf8).write(to: scratch.appendingPathComponent("bad.json"))
        let bad = try AimsProcess.run(["modalities", "check", scratch.appendingPathComponent("bad.json").path, scratch.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("bad.json: channels[0].bnad: expected one of the keys"), bad.stderr)
    }

    /// The written files equal the physics module applied to the reference decode of the same mosaics.
    func testConvertPolarizationWritesThePhysicsModulesOutput() throws {
        try copy("images/real_polarizer_crop.png", to: "in/scene/polarizer.png")
        try copy("images/real_fruits_crop.png", to: "in/fruits.png")
        try Data("not an image".utf8).write(to: scratch.appendingPathComponent("in/notes.txt"))
        let out = scratch.appendingPathComponent("out")
        for format in ["tiff", "npy", "png"] {
            let r = try AimsProcess.run(["convert", "polarization", "--layout", "imx250mzr-legacy", scratch.appendingPathComponent("in").path,
                                         "--out", out.appendingPathComponent(format).path, "--format", format, "--channels", "s0,dolp,aolp", "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("convert 2/2"), "progress on stderr")
            let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(summary["channels"] as? [String], ["S0", "DoLP", "AoLP"])
            XCTAssertEqual((summary["converted"] as? [Any])?.count, 2)
        }
        for (name, rel) in [("real_polarizer_crop_png.bin", "scene/polarizer"), ("real_fruits_crop_png.bin", "fruits")] {
            let bytes = try Data(contentsOf: fixture("images/ref/\(name)"))
            let mosaic = Tensor(shape: [64, 64], values: bytes.map(Float.init))
            let truth = try PolarizationChannels.image(angleImages: PolarizationDemosaicing.demosaicMono(mosaic, layout: .polanalyserLegacy))
            let n = 64 * 64
            let t = truth.values.scalars.enumerated().map { i, x in (n..<(2 * n)).contains(i) ? min(x, 1) : x }  // DoLP capped at 1
            let tiff = try ImageReader.read(out.appendingPathComponent("tiff/\(rel).tif"))
            XCTAssertEqual(tiff.channels, 3)
            XCTAssertEqual(tiff.toTensor().scalars, t, rel)
            let npy = try XCTUnwrap(TensorFiles.read(out.appendingPathComponent("npy/\(rel).npy")).tensors.first)
            XCTAssertEqual(npy.shape, [3, 64, 64])
            XCTAssertEqual(npy.tensor.scalars, t, rel)
            for (k, channel) in ["s0", "dolp", "aolp"].enumerated() {
                let png = try ImageReader.read(out.appendingPathComponent("png/\(rel)_\(channel).png"))
                XCTAssertEqual(png.dtype, .uint16)
                let codes = png.toTensor().scalars
                for i in 0..<n {
                    let v = Double(t[k * n + i])
                    let expected = k == 0 ? v : (k == 1 ? v * 65535 : v / .pi * 65535)
                    XCTAssertEqual(Double(codes[i]), expected, accuracy: 0.5 + 1e-3, "\(rel) \(channel) \(i)")
                }
            }
        }
        XCTAssertEqual(allFiles(out.appendingPathComponent("npy")), ["fruits.npy", "scene/polarizer.npy"])
    }

    func testConvertFailureLeavesNothingHalfWritten() throws {
        try copy("images/real_fruits_crop.png", to: "in/good.png")
        try copy("images/png_gray8.png", to: "in/odd.png")  // 7 x 13: not a mosaic
        try copy("images/png_rgb8.png", to: "in/rgb.png")  // colour: not a raw mosaic
        let out = scratch.appendingPathComponent("out")
        let r = try AimsProcess.run(["convert", "polarization", "--layout", "imx250mzr", scratch.appendingPathComponent("in").path,
                                     "--out", out.path, "--format", "png", "--json"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("odd.png: mono polarization mosaic"), r.stderr)
        XCTAssertTrue(r.stderr.contains("rgb.png: channels: expected 1"), r.stderr)
        XCTAssertEqual(allFiles(out), ["good_aolp.png", "good_dolp.png", "good_s0.png"], "no output or temporary file for failed inputs")
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((summary["failed"] as? [Any])?.count, 2)

        // An output folder that cannot be written: the input fails, nothing (not even a temporary file) is left.
        let blocked = scratch.appendingPathComponent("blocked")
        try Data().write(to: blocked)  // a file where the output folder should be
        let b = try AimsProcess.run(["convert", "polarization", "--layout", "imx250mzr", scratch.appendingPathComponent("in/good.png").path,
                                     "--out", blocked.appendingPathComponent("x").path])
        XCTAssertEqual(b.status, 1)
        XCTAssertEqual(allFiles(scratch).filter { $0.contains(".tmp") }, [])
    }

    func testConvertUsageErrors() throws {
        XCTAssertEqual(try AimsProcess.run(["convert", "polarization", "x.png", "--out", "o"]).status, 64, "missing --layout")
        let layout = try AimsProcess.run(["convert", "polarization", "--layout", "imx999", "x.png", "--out", "o"])
        XCTAssertEqual(layout.status, 64)
        XCTAssertTrue(layout.stderr.contains("--layout: expected imx250mzr, imx250mzr-legacy or imx250myr, got 'imx999'"))
        let channels = try AimsProcess.run(["convert", "polarization", "--layout", "imx250mzr", "x.png", "--out", "o", "--channels", "s0,s3"])
        XCTAssertTrue(channels.stderr.contains("unknown channel 's3'"), channels.stderr)
        XCTAssertEqual(try AimsProcess.run(["convert", "thermal", "x"]).status, 64)
    }

    /// HHA of the synthetic scene in fixtures/physics (a NumPy re-implementation of Gupta's steps wrote hha_scene_hha).
    func testHHAMatchesTheReferenceEncoding() throws {
        struct Scene: Decodable { let fx: Double; let fy: Double; let cx: Double; let cy: Double }
        let index = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: fixture("physics/index.json"))) as? [String: Any])
        let meta = try XCTUnwrap((index["meta"] as? [String: Any])?["hha_scene"] as? [String: Any])
        let intrinsics = try XCTUnwrap((meta["intrinsics"] as? [String: Any]) ?? meta)
        let depthBytes = try Data(contentsOf: fixture("physics/hha_scene_depth.bin"))
        let depth: [Float] = depthBytes.withUnsafeBytes { b in (0..<(96 * 128)).map { Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) } }
        let depthURL = scratch.appendingPathComponent("depth.npy")
        try NPY.write(Tensor(shape: [96, 128], values: depth), to: depthURL)
        func arg(_ k: String) throws -> String { "\(try XCTUnwrap(intrinsics[k] as? Double, "intrinsic \(k)"))" }
        let out = scratch.appendingPathComponent("hha.png")
        let r = try AimsProcess.run(["hha", depthURL.path, "--fx", try arg("fx"), "--fy", try arg("fy"), "--cx", try arg("cx"),
                                     "--cy", try arg("cy"), "--out", out.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let png = try ImageReader.read(out)
        XCTAssertEqual([png.channels, png.height, png.width], [3, 96, 128])
        XCTAssertEqual(png.dtype, .uint8)
        let expected = try Data(contentsOf: fixture("physics/hha_scene_hha.bin")).map(Float.init)
        let got = png.toTensor().scalars
        // Exact, as the library test (TransformsTests/HHATests): the NPY holds the fixture's float32 metres bit for
        // bit (default float scale 1), the command runs the same encoder, and its codes are integers 0…255, which
        // an 8-bit PNG stores exactly. Only where NumPy's unquantized value lies within 1e-3 of a rounding
        // boundary may the two sides round differently (the encoders agree to 1e-3 before rounding).
        let unquantized = try littleEndianFloats(fixture("physics/hha_scene_unquantized.bin"))
        XCTAssertEqual(unquantized.count, expected.count)
        var compared = 0
        for i in expected.indices where abs(unquantized[i] - unquantized[i].rounded(.down) - 0.5) >= 1e-3 {
            XCTAssertEqual(got[i], expected[i], "HHA code \(i)")
            compared += 1
        }
        XCTAssertGreaterThan(compared, expected.count * 99 / 100)
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["validPixels"] as? Int, 96 * 128 - 40)
        let missing = try AimsProcess.run(["hha", depthURL.path, "--fx", "500", "--fy", "500", "--cx", "64", "--out", out.path])
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.contains("--cy is required"))
    }
}

extension ModalityCommandTests {
    func testPluginsFolderIsListedAndMissingDatasetIsNamed() throws {
        let plugins = FileManager.default.temporaryDirectory.appendingPathComponent("aims-cli-plugins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: plugins) }
        let spec = """
        {"identifier": "lwir-8bit", "summary": "an 8-bit LWIR camera in centikelvin", "channels": [
          {"name": "temperature", "unit": "°C", "kind": "temperature", "file": "lwir/{id}.png", "scale": 0.01, "offset": -273.15}]}
        """
        try Data(spec.utf8).write(to: plugins.appendingPathComponent("lwir.json"))
        let r = try AimsProcess.run(["modalities", "--plugins", plugins.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let lwir = try XCTUnwrap(list.first { $0["identifier"] as? String == "lwir-8bit" })
        XCTAssertEqual(lwir["summary"] as? String, "an 8-bit LWIR camera in centikelvin")
        XCTAssertEqual((lwir["channels"] as? [[String: Any]])?.first?["kind"] as? String, "temperature")
        let missing = try AimsProcess.run(["modalities", "check", plugins.appendingPathComponent("lwir.json").path, "/no/such/dataset"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("/no/such/dataset: no such folder"), missing.stderr)
    }
}

extension ModalityCommandTests {
    /// IMX250MYR colour: every channel per colour, PNG names carry the colour, values from the physics module.
    func testConvertColourMosaicWritesPerColourChannels() throws {
        let rawBytes = try Data(contentsOf: fixture("physics/polrgb_raw.bin"))  // [24, 32] uint8 (synthetic mosaic)
        let mosaic = Tensor(shape: [24, 32], values: rawBytes.map(Float.init))
        let input = scratch.appendingPathComponent("in/rgb.png")
        try FileManager.default.createDirectory(at: input.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PNGCodec.write(RawImage(tensor: mosaic.reshaped([1, 24, 32]), dtype: .uint8), to: input)
        let out = scratch.appendingPathComponent("out")
        let r = try AimsProcess.run(["convert", "polarization", "--layout", "imx250myr", input.path, "--out", out.path,
                                     "--channels", "aolp,sin2aolp", "--format", "png", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["channels"] as? [String], ["AoLP R", "AoLP G", "AoLP B", "sin 2AoLP R", "sin 2AoLP G", "sin 2AoLP B"])
        XCTAssertEqual(allFiles(out), ["rgb_aolp_b.png", "rgb_aolp_g.png", "rgb_aolp_r.png",
                                       "rgb_sin2aolp_b.png", "rgb_sin2aolp_g.png", "rgb_sin2aolp_r.png"])
        let angles = try PolarizationDemosaicing.demosaicColor(mosaic, layout: .sonyIMX250)
        let truth = try PolarizationChannels.image(angleImages: angles).values.scalars
        let n = 24 * 32
        for (c, colour) in ["r", "g", "b"].enumerated() {
            let aolp = try ImageReader.read(out.appendingPathComponent("rgb_aolp_\(colour).png")).toTensor().scalars
            let sin2 = try ImageReader.read(out.appendingPathComponent("rgb_sin2aolp_\(colour).png")).toTensor().scalars
            for i in 0..<n {
                let a = Double(truth[(6 + c) * n + i])
                XCTAssertEqual(Double(aolp[i]), a / .pi * 65535, accuracy: 0.5 + 1e-3)
                XCTAssertEqual(Double(sin2[i]), (sin(2 * a) + 1) / 2 * 65535, accuracy: 0.5 + 0.02)
            }
        }
    }
}

extension ModalityCommandTests {
    /// Little-endian float32 values of a raw fixture file.
    func littleEndianFloats(_ url: URL) throws -> [Float] {
        let bytes = try Data(contentsOf: url)
        return bytes.withUnsafeBytes { b in
            (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// MATLAB's uint8 of HHA's disparity channel, 31000 / max(Z_cm, 100), for a depth of `meters`; nil when the value
    /// is within 1e-3 of a rounding boundary (not compared).
    private func disparityCode(meters: Float) -> Float? {
        guard meters > 0 else { return 0 }
        let v = Float(31000 / max(Double(meters) * 100, 100))
        if abs(v - v.rounded(.down) - 0.5) < 1e-3 { return nil }
        return min(255, v.rounded(.toNearestOrAwayFromZero))
    }

    /// `aims hha --scale`: a 16-bit depth PNG in units of 0.2 mm (the fixture scene's metres / 0.0002, rounded).
    /// With `--scale 0.0002` the result equals that of the same depths given in metres (float NPY: each unit × 0.0002),
    /// and the disparity channel equals 310 / max(units × 0.0002, 1) by hand; without `--scale`, units are read as
    /// millimetres (0.001): five times the depth, and the disparity follows 310 / max(units × 0.001, 1).
    func testHHAScaleIsMetresPerUnit() throws {
        let (h, w) = (96, 128)
        let metres = try littleEndianFloats(fixture("physics/hha_scene_depth.bin"))
        let units = metres.map { UInt16(($0 / 0.0002).rounded()) }
        let png = scratch.appendingPathComponent("depth_units.png")
        try PNGCodec.write(RawImage(width: w, height: h, channels: 1, dtype: .uint16,
                                    bytes: units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }), to: png)
        XCTAssertEqual(try ImageReader.read(png).toTensor().scalars, units.map(Float.init), "the PNG holds the units")
        let index = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: fixture("physics/index.json"))) as? [String: Any])
        let k = try XCTUnwrap((index["meta"] as? [String: Any])?["hha_scene"] as? [String: Any])
        let intrinsics = try ["fx", "fy", "cx", "cy"].flatMap { ["--\($0)", "\(try XCTUnwrap(k[$0] as? Double))"] }
        func hha(_ input: URL, _ extra: [String]) throws -> [Float] {
            let out = scratch.appendingPathComponent(UUID().uuidString + ".png")
            let r = try AimsProcess.run(["hha", input.path, "--out", out.path] + intrinsics + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try ImageReader.read(out).toTensor().scalars
        }
        func metresNPY(_ scale: Double) throws -> URL {
            let url = scratch.appendingPathComponent("metres_\(scale).npy")
            try NPY.write(Tensor(shape: [h, w], values: units.map { Float(Double($0) * scale) }), to: url)
            return url
        }
        let n = h * w
        var disparities: [[Float]] = []
        for (scale, extra) in [(0.0002, ["--scale", "0.0002"]), (0.001, [])] {
            let fromUnits = try hha(png, extra)
            XCTAssertEqual(fromUnits, try hha(try metresNPY(scale), []), "scale \(scale): as the same depths in metres")
            var compared = 0
            for i in 0..<n {
                guard let code = disparityCode(meters: Float(Double(units[i]) * scale)) else { continue }
                XCTAssertEqual(fromUnits[i], code, "scale \(scale): disparity at \(i)")
                compared += 1
            }
            XCTAssertGreaterThan(compared, n * 99 / 100)
            disparities.append(Array(fromUnits[0..<n]))
        }
        XCTAssertGreaterThan(zip(disparities[0], disparities[1]).filter { $0 != $1 }.count, n / 2, "the scale changes the encoding")
        let bad = try AimsProcess.run(["hha", png.path, "--out", scratch.appendingPathComponent("x.png").path, "--scale", "mm"] + intrinsics)
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("--scale: expected a number, got 'mm'"), bad.stderr)
    }

    /// `aims convert --method` on a hand-made 8 × 12 mosaic of an unpolarized scene with a vertical step edge: every
    /// pixel of columns 0–5 reads L = 16, of columns 6–11 R = 49, whatever its polarizer. S0 = (I0 + I45 + I90 + I135) / 2
    /// is 2L or 2R away from the edge for every method; at the edge each method's own interpolation shows, worked by hand
    /// (the pixel's own angle and its column partner are measured on its side):
    /// - bilinear: the row and diagonal partners are means across the edge, (L + R) / 2 = 32.5, so S0 is
    ///   (2L + 2·32.5) / 2 = 48.5 at column 5 and (2R + 2·32.5) / 2 = 81.5 at column 6;
    /// - opencv: the same means rounded as OpenCV does, floor(32.5 + 0.5) = 33: S0 = 49 and 82;
    /// - edge: the diagonal and row partners are (M(p−d) + M(p+d)) / 2 + (2M(p) − M(p−2d) − M(p+2d)) / 8 =
    ///   (5L + 3R) / 8 = 28.375 at column 5 and (3L + 5R) / 8 = 36.625 at column 6 (the row partner's vertical
    ///   estimate, from those diagonal values, is the same), and the column partner takes the vertical estimate
    ///   (zero gradient; the other weighs ~1e-6): S0 = L + 28.375 = 44.375 and R + 36.625 = 85.625.
    func testConvertMethodGivesEachMethodsInterpolation() throws {
        let (h, w, l, r) = (8, 12, 16, 49)
        let mosaic = (0..<(h * w)).map { UInt8($0 % w < 6 ? l : r) }
        let input = scratch.appendingPathComponent("edge.png")
        try PNGCodec.write(RawImage(width: w, height: h, channels: 1, dtype: .uint8, bytes: mosaic), to: input)
        let far = (0..<w).map { Float($0 < 6 ? 2 * l : 2 * r) }
        func columns(_ edge: [Int: Float]) -> [Float] { far.indices.map { edge[$0] ?? far[$0] } }
        let expected: [(String, [Float], Float)] = [
            ("bilinear", columns([5: 48.5, 6: 81.5]), 0),
            ("opencv", columns([5: 49, 6: 82]), 0),
            ("edge", columns([5: 44.375, 6: 85.625]), 1e-3),
        ]
        for (method, s0, tolerance) in expected {
            let out = scratch.appendingPathComponent("out-\(method)")
            let run = try AimsProcess.run(["convert", "polarization", "--layout", "imx250mzr", input.path, "--out", out.path,
                                           "--format", "npy", "--channels", "s0", "--method", method])
            XCTAssertEqual(run.status, 0, run.stderr)
            let t = try XCTUnwrap(TensorFiles.read(out.appendingPathComponent("edge.npy")).tensors.first?.tensor)
            XCTAssertEqual(t.shape, [1, h, w])
            let v = t.scalars
            for y in 0..<h {
                for x in 0..<w {
                    XCTAssertEqual(v[y * w + x], s0[x], accuracy: tolerance, "\(method): S0 at row \(y), column \(x)")
                }
            }
        }
        let bad = try AimsProcess.run(["convert", "polarization", "--layout", "imx250mzr", input.path, "--out", scratch.path, "--method", "nearest"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("--method: expected bilinear, opencv or edge, got 'nearest'"), bad.stderr)
    }
}
