import Foundation
import ImageIO
import TensorCore
import TensorFiles
import TensorKernels
import XCTest

/// `aims convert MODALITY INPUT...` end to end: thermal from a FLIR file with the metadata `aims inspect` reads
/// back, a folder with a bad file among good ones, usage errors, and the `hha` subcommand and alias.
final class ConvertCommandTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("aims-convert-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func testThermalTIFFCarriesChannelsThatInspectShows() throws {
        let fff = AimsProcess.repository.appendingPathComponent("fixtures/thermal/frame_000000_le.fff")
        let out = scratch.appendingPathComponent("out")
        let r = try AimsProcess.run(["convert", "thermal", fff.path, "--out", out.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("convert 1/1"), "progress on stderr: \(r.stderr)")
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["channels"] as? [String], ["temperature"])
        let tiff = out.appendingPathComponent("frame_000000_le.tif")
        let raw = try TIFFCodec.read(tiff)
        XCTAssertEqual(raw.dtype, .float32)
        let meta = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data((raw.info?.imageDescription ?? "").utf8)) as? [String: Any])
        let channels = try XCTUnwrap(meta["channels"] as? [[String: Any]])
        XCTAssertEqual(channels.first?["unit"] as? String, "°C")
        let inspect = try AimsProcess.run(["inspect", tiff.path])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("[0] temperature  °C  temperature"), inspect.stdout)

        let png = try AimsProcess.run(["convert", "thermal", fff.path, "--out", out.path, "--format", "png", "--emissivity", "0.9"])
        XCTAssertEqual(png.status, 0, png.stderr)
        let shown = try AimsProcess.run(["inspect", out.appendingPathComponent("frame_000000_le_temperature.png").path])
        XCTAssertTrue(shown.stdout.contains("value = code x 0.01 + -273.15"), shown.stdout)
    }

    func testFolderWithABadFileExitsOneAndConvertsTheRest() throws {
        let input = scratch.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for name in ["a.png", "sub/b.png"] {
            try PNGCodec.write(RawImage(tensor: Tensor(shape: [1, 2, 2], values: [0, 1000, 2000, 3000]), dtype: .uint16),
                               to: input.appendingPathComponent(name))
        }
        try Data("not an image".utf8).write(to: input.appendingPathComponent("sub/broken.png"))
        let out = scratch.appendingPathComponent("out")
        let r = try AimsProcess.run(["convert", "depth", input.path, "--out", out.path, "--format", "npy"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("sub/broken.png"), r.stderr)
        XCTAssertTrue(r.stderr.contains("2 converted, 1 failed"), r.stderr)
        for p in ["a.npy", "a.json", "sub/b.npy", "sub/b.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(p).path), p)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("sub/broken.npy").path))
        let npy = try XCTUnwrap(TensorFiles.read(out.appendingPathComponent("sub/b.npy")).tensors.first?.tensor)
        XCTAssertTrue(npy.scalars[0].isNaN)
        XCTAssertEqual(Array(npy.scalars[1...]), [1, 2, 3])
    }

    func testUsageErrorsAndSubcommands() throws {
        let fff = AimsProcess.repository.appendingPathComponent("fixtures/thermal/frame_000000_le.fff").path
        let out = scratch.appendingPathComponent("out").path
        let channel = try AimsProcess.run(["convert", "thermal", fff, "--out", out, "--channels", "depth"])
        XCTAssertEqual(channel.status, 64)
        XCTAssertTrue(channel.stderr.contains("unknown channel 'depth'"), channel.stderr)
        let option = try AimsProcess.run(["convert", "depth", fff, "--out", out, "--emissivity", "0.9"])
        XCTAssertEqual(option.status, 64)
        XCTAssertTrue(option.stderr.contains("does not apply to modality 'depth'"), option.stderr)
        let unknown = try AimsProcess.run(["convert", "sonar", fff, "--out", out])
        XCTAssertEqual(unknown.status, 64, unknown.stderr)
        for words in [["convert", "hha", "--help"], ["hha", "--help"], ["convert", "polarization", "--help"], ["convert", "--help"]] {
            let h = try AimsProcess.run(words)
            XCTAssertEqual(h.status, 0, "\(words): \(h.stderr)")
        }
    }
}
