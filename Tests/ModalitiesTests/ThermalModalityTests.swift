import Foundation
import ImageIO
@testable import Modalities
import TensorCore
import TensorFiles
import Transforms
import XCTest

/// The thermal plugin on real FLIR files: °C must equal `PlanckRadiometry` applied to the raw counts and constants
/// ExifTool reported (fixtures/thermal/reference.json), not to anything the plugin read itself.
final class ThermalModalityTests: XCTestCase {
    /// A fixture value that does not parse: the test fails (the fixture is shipped, so it is never skipped).
    private struct UnreadableFixture: Error, CustomStringConvertible { let description: String }

    private func number(_ any: Any?) throws -> Double {
        if let d = any as? Double { return d }
        if let i = any as? Int { return Double(i) }
        if let s = any as? String, let d = Double(s) { return d }
        throw UnreadableFixture(description: "fixtures/thermal/reference.json: not a number: \(String(describing: any))")
    }

    /// ExifTool's constants and conditions → the radiometry the truth is computed with.
    private func exiftoolRadiometry(_ e: [String: Any]) throws -> PlanckRadiometry {
        let constants = PlanckConstants(r1: try number(e["PlanckR1"]), r2: try number(e["PlanckR2"]), b: try number(e["PlanckB"]),
                                        f: try number(e["PlanckF"]), o: try number(e["PlanckO"]))
        var rh = try number(e["RelativeHumidity"])
        if rh > 1 { rh /= 100 }
        let conditions = ThermalViewingConditions(
            emissivity: try number(e["Emissivity"]), reflectedApparentTemperatureCelsius: try number(e["ReflectedApparentTemperature"]),
            atmosphericTemperatureCelsius: try number(e["AtmosphericTemperature"]), relativeHumidity: rh,
            objectDistanceMeters: try number(e["ObjectDistance"]), windowTransmission: try number(e["IRWindowTransmission"]),
            windowTemperatureCelsius: try number(e["IRWindowTemperature"]),
            atmosphere: AtmosphericTransmissionCoefficients(
                alpha1: try number(e["AtmosphericTransAlpha1"]), alpha2: try number(e["AtmosphericTransAlpha2"]),
                beta1: try number(e["AtmosphericTransBeta1"]), beta2: try number(e["AtmosphericTransBeta2"]),
                x: try number(e["AtmosphericTransX"])))
        return try PlanckRadiometry(constants: constants, conditions: conditions)
    }

    func testFLIRFilesGiveExifToolRadiometry() throws {
        let reference = try XCTUnwrap(Fixtures.json("thermal/reference.json")["files"] as? [String: [String: Any]])
        let data = try ScratchDataset()
        let names = ["flir_e60_IR_moving_car.jpg", "flir_i7_four_ducks.jpg", "frame_000000_le.fff"]
        for name in names { try data.copy(fixture: "thermal/\(name)", to: "thermal/\(name)") }
        let modality = try ThermalModality()
        let samples = try modality.samples(in: data.root)
        XCTAssertEqual(samples.map(\.inputs), names.sorted().map { ["thermal/\($0)"] })
        for sample in samples {
            let name = String(sample.inputs[0].dropFirst("thermal/".count))
            let ref = try XCTUnwrap(reference[name])
            let exif = try XCTUnwrap(ref["exiftool"] as? [String: Any]), raw = try XCTUnwrap(ref["raw"] as? [String: Any])
            let truth = try exiftoolRadiometry(exif)
            let image = try modality.decode(sample, root: data.root)
            XCTAssertEqual(image.channels, [ChannelDescriptor(name: "temperature", unit: "°C", kind: .temperature)])
            XCTAssertEqual(image.values.shape, [1, try number(exif["RawThermalImageHeight"]), try number(exif["RawThermalImageWidth"])].map { Int($0) })
            XCTAssertNil(image.validMask, "\(name): every count is inside the calibration")
            let v = image.values.scalars
            for pair in try XCTUnwrap(raw["samples"] as? [[Double]]) {
                let expected = truth.temperatureCelsius(rawCounts: pair[1])
                XCTAssertEqual(Double(v[Int(pair[0])]), expected, accuracy: 2e-3, "\(name) pixel \(Int(pair[0]))")
            }
            // Physically plausible scenes (a car outdoors, ducks on water, a lab frame): −30 … 80 °C.
            let lo = truth.temperatureCelsius(rawCounts: try number(raw["min"])), hi = truth.temperatureCelsius(rawCounts: try number(raw["max"]))
            XCTAssertEqual(Double(v.min()!), lo, accuracy: 2e-3, name)
            XCTAssertEqual(Double(v.max()!), hi, accuracy: 2e-3, name)
            XCTAssertGreaterThan(lo, -30, name)
            XCTAssertLessThan(hi, 80, name)
            XCTAssertLessThan(lo, hi, name)
        }
    }

    func testSEQFrameIndex() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "thermal/two_frames.seq", to: "thermal/clip.seq")
        let second = try ThermalModality(frameIndex: 1)
        let sample = try XCTUnwrap(second.samples(in: data.root).first)
        let image = try second.decode(sample, root: data.root)
        XCTAssertEqual(image.values.shape, [1, 512, 640])
        XCTAssertNotEqual(image.values.scalars, try ThermalModality().decode(sample, root: data.root).values.scalars)
        let third = try ThermalModality(frameIndex: 2)
        XCTAssertEqual(message { _ = try third.decode(sample, root: data.root) }, "thermal/clip.seq: frame index: expected 0..<2, got 2")
    }

    func testTemperatureArraysAndPlainImages() throws {
        let data = try ScratchDataset()
        let celsius = Tensor(shape: [2, 3], values: [21.5, 22, -5.25, 37, .nan, 100])
        try NPY.write(celsius, to: try data.url("thermal/a.npy"))
        // A 16-bit image in centikelvin: °C = v · 0.01 − 273.15.
        let centikelvin: [Float] = [27315, 29315, 31015, 37315, 0, 65535]
        try data.writePNG(Tensor(shape: [1, 2, 3], values: centikelvin), dtype: .uint16, to: "thermal/b.png")
        let modality = try ThermalModality(imageEncoding: .linear(scale: 0.01, offset: -273.15))
        let samples = try modality.samples(in: data.root)
        let a = try modality.decode(samples[0], root: data.root)
        XCTAssertEqual(a.values.scalars, [21.5, 22, -5.25, 37, 0, 100])
        XCTAssertEqual(a.validMask?.scalars, [1, 1, 1, 1, 0, 1])
        let b = try modality.decode(samples[1], root: data.root)
        assertClose(b.values.scalars, centikelvin.map { Float(Double($0) * 0.01 - 273.15) }, tolerance: 1e-4)
        let counts = try ThermalModality(imageEncoding: .counts, arrayEncoding: .counts)
        XCTAssertEqual(counts.channels, [ChannelDescriptor(name: "thermal", unit: "counts", kind: .intensity)])
        XCTAssertEqual(try counts.decode(samples[1], root: data.root).values.scalars, centikelvin)
        XCTAssertThrowsError(try ThermalModality(imageEncoding: .counts))
    }
}

extension ThermalModalityTests {
    func testEveryFrameAsASample() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "thermal/two_frames.seq", to: "thermal/clip.seq")
        try data.copy(fixture: "thermal/flir_i7_four_ducks.jpg", to: "thermal/ducks.jpg")
        let m = try ThermalModality(framesAsSamples: true)
        let samples = try m.samples(in: data.root)
        XCTAssertEqual(samples.map(\.id), ["clip@0", "clip@1", "ducks@0"])
        XCTAssertEqual(samples[1].frame, 1)
        let second = try m.decode(samples[1], root: data.root)
        XCTAssertEqual(second.values.scalars, try ThermalModality(frameIndex: 1).decode(SampleFiles(id: "clip", inputs: ["thermal/clip.seq"]),
                                                                                         root: data.root).values.scalars)
        XCTAssertNotEqual(second.values.scalars, try m.decode(samples[0], root: data.root).values.scalars)
    }
}
