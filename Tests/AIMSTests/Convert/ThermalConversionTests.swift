import AIMS
import Foundation
import ImageIO
import Modalities
import Transforms
import XCTest

/// `aims convert thermal` against flirpy 0.6.2's `Fff.get_radiometric_image()` on the same files
/// (fixtures/thermal/flirpy.json, written by scripts/make_thermal_fixtures.py): the FLIR T420 FFF frame, both
/// frames of the FLIR Duo Pro R SEQ, and the FLIR E60 R-JPEG; ≤ 0.01 °C on flirpy's sampled pixel grid and mean.
final class ThermalConversionTests: XCTestCase {
    struct Summary: Decodable {
        var height: Int, width: Int, stride: Int, mean: Double, min: Double, max: Double, nan: Int, grid: [Double]
    }
    struct FileEntry: Decodable {
        var height: Int?, width: Int?, stride: Int?, mean: Double?, min: Double?, max: Double?, nan: Int?, grid: [Double]?
        var frames: [Summary]?
        var summary: Summary? {
            guard let height, let width, let stride, let mean, let min, let max, let nan, let grid else { return nil }
            return Summary(height: height, width: width, stride: stride, mean: mean, min: min, max: max, nan: nan, grid: grid)
        }
    }
    struct Reference: Decodable { var files: [String: FileEntry] }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: ConvertFixtures.thermal.appendingPathComponent("flirpy.json")))
    }

    /// Maximum |aims − flirpy| over the grid, and the difference of the means, for one converted TIFF.
    func compare(_ tiff: URL, _ s: Summary, _ what: String) throws -> (grid: Double, mean: Double) {
        let (values, metadata) = try ConvertFixtures.readTIFF(tiff)
        XCTAssertEqual(values.shape, [1, s.height, s.width], what)
        XCTAssertEqual(metadata?.channels.map(\.unit), ["°C"], what)
        XCTAssertEqual(metadata?.channels.map(\.kind), ["temperature"], what)
        let v = values.scalars
        var worst = 0.0, k = 0
        for y in stride(from: 0, to: s.height, by: s.stride) {
            for x in stride(from: 0, to: s.width, by: s.stride) {
                worst = max(worst, abs(Double(v[y * s.width + x]) - s.grid[k]))
                k += 1
            }
        }
        XCTAssertEqual(k, s.grid.count, what)
        let mean = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
        XCTAssertLessThanOrEqual(worst, 0.01, "\(what): max |aims − flirpy| on the grid, °C")
        XCTAssertLessThanOrEqual(abs(mean - s.mean), 0.01, "\(what): mean, °C")
        print("flirpy comparison \(what): max |Δ| \(worst) °C on \(s.grid.count) pixels, Δmean \(mean - s.mean) °C")
        return (worst, abs(mean - s.mean))
    }

    func testFFFAndRJPEGMatchFlirpy() throws {
        let ref = try Self.reference()
        let out = try ConvertFixtures.scratch("thermal")
        defer { try? FileManager.default.removeItem(at: out) }
        let modality = try ModalityRegistry.standard.require("thermal")
        for name in ["frame_000000_le.fff", "flir_e60_IR_moving_car.jpg"] {
            let s = try XCTUnwrap(ref.files[name]?.summary, name)
            let done = try ConvertFixtures.convert([ConvertFixtures.thermal.appendingPathComponent(name)], modality: modality,
                                                   writer: ChannelFileWriter(format: .tiff), out: out)
            XCTAssertEqual(done.count, 1)
            _ = try compare(URL(fileURLWithPath: done[0].outputs[0]), s, name)
        }
    }

    func testEverySEQFrameMatchesFlirpy() throws {
        let frames = try XCTUnwrap(Self.reference().files["two_frames.seq"]?.frames)
        let out = try ConvertFixtures.scratch("seq")
        defer { try? FileManager.default.removeItem(at: out) }
        let modality = try ModalityRegistry.standard.require("thermal")
        let seq = ConvertFixtures.thermal.appendingPathComponent("two_frames.seq")
        _ = try ConvertFixtures.convert([seq], modality: modality, writer: ChannelFileWriter(format: .tiff), frames: .all, out: out)
        for (k, s) in frames.enumerated() {
            _ = try compare(out.appendingPathComponent("two_frames@\(k).tif"), s, "two_frames.seq frame \(k)")
        }
        // The stack: one file, one channel per frame, the same temperatures.
        _ = try ConvertFixtures.convert([seq], modality: modality, writer: ChannelFileWriter(format: .tiff), frames: .stack, out: out)
        let (stack, meta) = try ConvertFixtures.readTIFF(out.appendingPathComponent("two_frames.tif"))
        XCTAssertEqual(meta?.channels.map(\.name), ["temperature@0", "temperature@1"])
        let first = try ConvertFixtures.readTIFF(out.appendingPathComponent("two_frames@1.tif")).values
        XCTAssertEqual(Array(stack.scalars[(stack.count / 2)...]), first.scalars)
    }

    /// Overridden viewing conditions change the result as the Planck model says (emissivity 1 at distance 0 with
    /// no window: the blackbody temperature of the counts) and are recorded in the metadata.
    func testOverridesApplyAndAreRecorded() throws {
        let out = try ConvertFixtures.scratch("override")
        defer { try? FileManager.default.removeItem(at: out) }
        let overrides = ModalityOverrides(thermal: ThermalConditionOverrides(emissivity: 1, objectDistanceMeters: 0))
        let modality = try overrides.apply(to: try ModalityRegistry.standard.require("thermal"))
        let fff = ConvertFixtures.thermal.appendingPathComponent("frame_000000_le.fff")
        let jobs = try ConversionInputs.jobs([fff.path], modality: modality)
        let r = ChannelConversion(modality: modality, writer: ChannelFileWriter(format: .tiff), notes: overrides.notes).run(jobs, into: out)
        XCTAssertTrue(r.failed.isEmpty, "\(r.failed)")
        let (values, meta) = try ConvertFixtures.readTIFF(out.appendingPathComponent("frame_000000_le.tif"))
        XCTAssertEqual(meta?.notes?["emissivity"], "1.0")
        let frame = try FLIRFile.frames(contentsOf: fff)[0]
        XCTAssertEqual(frame.cameraInfo.irWindowTransmission, 1, "no IR window in this frame")
        let c = frame.cameraInfo.planckConstants
        let counts = try frame.rawCounts().scalars
        for i in stride(from: 0, to: counts.count, by: 997) {
            let blackbody = c.blackbodyKelvin(rawCounts: Double(counts[i])) - 273.15
            XCTAssertEqual(Double(values.scalars[i]), blackbody, accuracy: 1e-3)
        }
        XCTAssertThrowsError(try overrides.apply(to: try ModalityRegistry.standard.require("depth")))
    }
}
