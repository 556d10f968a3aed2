import Foundation
import XCTest
@testable import ImageIO

/// FLIR FFF, SEQ and R-JPEG parsing against ExifTool (`exiftool -n -j` constants and
/// `exiftool -b -RawThermalImage` pixels) on real captures.
final class FLIRFileTests: XCTestCase {
    private let fixtures = ReferenceFixtures.thermal

    func testCameraConstantsMatchExifTool() throws {
        for name in ["frame_000000_le.fff", "flir_e60_IR_moving_car.jpg", "flir_i7_four_ducks.jpg"] {
            let ref = try XCTUnwrap(fixtures.reference[name]?["exiftool"] as? [String: Any], name)
            let frames = try FLIRFile.frames(contentsOf: fixtures.url(name))
            XCTAssertEqual(frames.count, 1, name)
            let info = frames[0].cameraInfo
            func num(_ key: String) -> Double {
                if let d = ref[key] as? Double { return d }
                return Double(ref[key] as! String)!  // ExifTool prints some tiny floats as strings
            }
            let pairs: [(String, Double)] = [
                ("PlanckR1", info.planckR1), ("PlanckR2", info.planckR2), ("PlanckB", info.planckB),
                ("PlanckF", info.planckF), ("PlanckO", info.planckO), ("Emissivity", info.emissivity),
                ("ObjectDistance", info.objectDistance), ("ReflectedApparentTemperature", info.reflectedApparentTemperature),
                ("AtmosphericTemperature", info.atmosphericTemperature), ("IRWindowTemperature", info.irWindowTemperature),
                ("IRWindowTransmission", info.irWindowTransmission), ("RelativeHumidity", info.relativeHumidity),
                ("AtmosphericTransAlpha1", info.atmosphericTransAlpha1), ("AtmosphericTransAlpha2", info.atmosphericTransAlpha2),
                ("AtmosphericTransBeta1", info.atmosphericTransBeta1), ("AtmosphericTransBeta2", info.atmosphericTransBeta2),
                ("AtmosphericTransX", info.atmosphericTransX)]
            for (key, value) in pairs {
                // ExifTool prints float32 fields with ~15 digits and subtracts 273.15 in double.
                XCTAssertEqual(value, num(key), accuracy: 1e-9 * max(1, abs(num(key))), "\(name) \(key)")
            }
            XCTAssertEqual(frames[0].rawWidth, ref["RawThermalImageWidth"] as? Int, name)
            XCTAssertEqual(frames[0].rawHeight, ref["RawThermalImageHeight"] as? Int, name)
            XCTAssertTrue((ref["CameraModel"] as! String).hasPrefix(info.cameraModel) && !info.cameraModel.isEmpty,
                          "\(name): \(info.cameraModel)")
            XCTAssertEqual(frames[0].rawEncoding == .png, ref["RawThermalImageType"] as? String == "PNG", name)
        }
    }

    func testRawCountsMatchExifTool() throws {
        // The i7 stores its counts as a PNG with byte-swapped samples; the others as raw words.
        for name in ["frame_000000_le.fff", "flir_e60_IR_moving_car.jpg", "flir_i7_four_ducks.jpg"] {
            let ref = try XCTUnwrap(fixtures.reference[name]?["raw"] as? [String: Any], name)
            let frame = try FLIRFile.frames(contentsOf: fixtures.url(name))[0]
            let counts = try frame.rawCounts()
            XCTAssertEqual(counts.shape, [1, frame.rawHeight, frame.rawWidth])
            ReferenceFixtures.assertMatches(counts, ref, "\(name) raw counts")
        }
    }

    func testSequenceSplitsIntoFrames() throws {
        let ref = try XCTUnwrap(fixtures.reference["two_frames.seq"]?["frames"] as? [[String: Any]])
        let frames = try FLIRFile.frames(contentsOf: fixtures.url("two_frames.seq"))
        XCTAssertEqual(frames.count, ref.count)
        for (k, frame) in frames.enumerated() {
            XCTAssertEqual(frame.cameraInfo.planckR1, 364058)
            let counts = try frame.rawCounts()
            ReferenceFixtures.assertMatches(counts, ref[k]["raw"] as! [String: Any], "SEQ frame \(k)")
        }
    }

    func testTruncatedAndPlainFilesFailByName() throws {
        for name in ["frame_000000_le.fff", "flir_e60_IR_moving_car.jpg"] {
            let bytes = [UInt8](try Data(contentsOf: fixtures.url(name)))
            let whole = try FLIRFile.frames(bytes: bytes, file: name)[0]
            for k in 1..<16 {
                let cut = Array(bytes.prefix(bytes.count * k / 16))
                do {
                    // An R-JPEG cut after its FLIR segments lost only the visible image: the
                    // radiometric frame must then be complete and identical.
                    let frame = try FLIRFile.frames(bytes: cut, file: name)[0]
                    XCTAssertTrue(name.hasSuffix(".jpg"), "\(name) cut at \(k)/16 decoded")
                    XCTAssertEqual(frame.rawPayload, whole.rawPayload, "\(name) cut at \(k)/16")
                    XCTAssertEqual(frame.cameraInfo, whole.cameraInfo, "\(name) cut at \(k)/16")
                } catch {
                    XCTAssertTrue(error is ImageIOError, "\(name) cut at \(k)/16: \(error)")
                }
            }
            // The FLIR segments of the car image end at byte 161,732 of 180,792: a cut inside them fails.
            if name.hasSuffix(".jpg") {
                XCTAssertThrowsError(try FLIRFile.frames(bytes: Array(bytes.prefix(100_000)), file: name))
            }
        }
        // A JPEG without FLIR segments: SOI, one APP0 segment, then start of scan.
        let plain: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46, 0xFF, 0xDA, 0x00, 0x02]
        XCTAssertThrowsError(try FLIRFile.frames(bytes: plain, file: "plain.jpg")) {
            XCTAssertTrue(($0 as? LocalizedError)?.errorDescription?.contains("plain.jpg: APP1 FLIR segments") ?? false, "\($0)")
        }
    }
}
