import AIMS
import Foundation
import ImageIO
import Modalities
import TensorCore
import TensorFiles
import XCTest

/// Files named one by one make samples of the modality's `filesPerSample`, as `aims predict` groups them.
final class FileSampleGroupingTests: XCTestCase {
    /// RGB 8-bit codes 0, 15, …, 255 (`[3, 2, 3]`) and depth millimetres with a hole at pixel 0 (`[1, 2, 3]`).
    static let rgbCodes: [Float] = (0..<18).map { Float($0 * 15) }
    static let depthStored: [Float] = [0, 1000, 1234, 65535, 500, 2]

    /// Writes `<stem>_rgb.png` into `rgb/` and `<stem>_depth.png` into `depth/` under `dir`, `shift` added to the
    /// depth codes so that samples differ; returns the two files in RGB, depth order.
    func writePair(_ stem: String, in dir: URL, shift: Float = 0) throws -> [URL] {
        let rgb = dir.appendingPathComponent("rgb/\(stem)_rgb.png"), depth = dir.appendingPathComponent("depth/\(stem)_depth.png")
        for f in [rgb, depth] { try FileManager.default.createDirectory(at: f.deletingLastPathComponent(), withIntermediateDirectories: true) }
        try PNGCodec.write(RawImage(tensor: Tensor(shape: [3, 2, 3], values: Self.rgbCodes), dtype: .uint8), to: rgb)
        try PNGCodec.write(RawImage(tensor: Tensor(shape: [1, 2, 3], values: Self.depthStored.map { $0 == 0 ? 0 : $0 - shift }), dtype: .uint16),
                           to: depth)
        return [rgb, depth]
    }

    func npy(_ url: URL) throws -> Tensor { try XCTUnwrap(NPY.read(url).tensors.first?.tensor) }

    /// `rgb+depth a_rgb.png a_depth.png`: one sample whose channels are exactly the RGB file converted alone then the
    /// depth file converted alone (the depth's hole NaN in every channel, as the composite's valid mask is the
    /// depth's), and by hand: RGB code / 255, depth millimetres / 1000.
    func testCompositeFromSeparateFilesEqualsItsPartsConvertedAlone() throws {
        let dir = try ConvertFixtures.scratch("pairs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try writePair("a", in: dir)
        let registry = ModalityRegistry.standard
        let out = dir.appendingPathComponent("out")
        let done = try ConvertFixtures.convert(files, modality: try registry.require("rgb+depth"), writer: ChannelFileWriter(format: .npy), out: out)
        XCTAssertEqual(done.map(\.input), [files[0].path])
        let both = try npy(out.appendingPathComponent("a_rgb.npy"))
        XCTAssertEqual(both.shape, [4, 2, 3])

        let alone = dir.appendingPathComponent("alone")
        _ = try ConvertFixtures.convert([files[0]], modality: try registry.require("rgb"), writer: ChannelFileWriter(format: .npy), out: alone)
        _ = try ConvertFixtures.convert([files[1]], modality: try registry.require("depth"), writer: ChannelFileWriter(format: .npy), out: alone)
        let rgb = try npy(alone.appendingPathComponent("a_rgb.npy")).scalars, depth = try npy(alone.appendingPathComponent("a_depth.npy")).scalars
        XCTAssertEqual(rgb.count, 18)
        XCTAssertEqual(depth.count, 6)
        for i in 0..<6 {
            let hole = depth[i].isNaN
            XCTAssertEqual(hole, i == 0)
            for c in 0..<3 {
                let x = both.scalars[c * 6 + i]
                hole ? XCTAssertTrue(x.isNaN) : XCTAssertEqual(x, rgb[c * 6 + i])
                if !hole { XCTAssertEqual(x, Self.rgbCodes[c * 6 + i] / 255, accuracy: 1e-6) }
            }
            hole ? XCTAssertTrue(both.scalars[18 + i].isNaN) : XCTAssertEqual(both.scalars[18 + i], depth[i])
            if !hole { XCTAssertEqual(both.scalars[18 + i], Self.depthStored[i] / 1000, accuracy: 1e-6) }
        }
        let meta = try XCTUnwrap(ChannelFileMetadata.find(for: out.appendingPathComponent("a_rgb.npy")))
        XCTAssertEqual(meta.channels.map(\.name), ["R", "G", "B", "depth"])
        XCTAssertEqual(meta.source.map { URL(fileURLWithPath: $0).standardizedFileURL.path }, files.map(\.standardizedFileURL.path))
    }

    /// Four files make two samples, each its own pair (told apart by their depth); three do not divide into samples
    /// of two: a typed error naming the modality, the count per sample and every file, before anything is written.
    func testConsecutiveFilesPairUpInOrderAndALeftoverIsRefused() throws {
        let dir = try ConvertFixtures.scratch("pairs2")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try writePair("a", in: dir), b = try writePair("b", in: dir, shift: 1)
        let modality = try ModalityRegistry.standard.require("rgb+depth")
        let jobs = try ConversionInputs.jobs((a + b).map(\.path), modality: modality)
        XCTAssertEqual(jobs.map(\.output), ["a_rgb", "b_rgb"])
        XCTAssertEqual(jobs.map(\.display), [a[0].path, b[0].path])
        let out = dir.appendingPathComponent("out")
        let r = ChannelConversion(modality: modality, writer: ChannelFileWriter(format: .npy)).run(jobs, into: out)
        XCTAssertEqual(r.failed.count, 0)
        XCTAssertEqual(try npy(out.appendingPathComponent("a_rgb.npy")).scalars[18 + 1], 1.0, accuracy: 1e-6)
        XCTAssertEqual(try npy(out.appendingPathComponent("b_rgb.npy")).scalars[18 + 1], 0.999, accuracy: 1e-6)

        let three = (a + [b[0]]).map(\.path)
        XCTAssertThrowsError(try ConversionInputs.jobs(three, modality: modality)) { error in
            XCTAssertEqual(error as? ConversionError, .incompleteSample(modality: "rgb+depth", filesPerSample: 2, files: three))
            let text = ChannelConversion.describe(error)
            for part in ["rgb+depth", "2 files per sample"] + three { XCTAssertTrue(text.contains(part), "\(part) not in: \(text)") }
        }
    }

    /// A folder between files splits them into separate runs: single-file samples either side, the folder's by its
    /// own discovery; a missing file is named.
    func testFoldersSplitRunsOfFiles() throws {
        let dir = try ConvertFixtures.scratch("runs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pair = try writePair("a", in: dir)
        let depth = try ModalityRegistry.standard.require("depth")
        let jobs = try ConversionInputs.jobs([pair[1].path, dir.appendingPathComponent("depth").path, pair[1].path], modality: depth)
        XCTAssertEqual(jobs.map(\.output), ["a_depth", "a_depth", "a_depth"])
        XCTAssertEqual(jobs.map(\.display), [pair[1].path, dir.appendingPathComponent("depth/a_depth.png").path, pair[1].path])
        let missing = dir.appendingPathComponent("none.png").path
        XCTAssertThrowsError(try ConversionInputs.jobs([pair[1].path, missing], modality: depth)) {
            XCTAssertTrue(ChannelConversion.describe($0).contains(missing))
        }
    }
}
