import Foundation
import TensorCore
import XCTest
@testable import Transforms

final class ThermalRadiometryTests: XCTestCase {
    struct ThermalSet: Decodable {
        let name: String
        let r1, r2, b, f, o: Double
        let emissivity, reflected, atmospheric, humidity, distance, windowTransmission, windowTemperature: Double
        let alpha1, alpha2, beta1, beta2, x: Double

        func radiometry() throws -> PlanckRadiometry {
            try PlanckRadiometry(
                constants: PlanckConstants(r1: r1, r2: r2, b: b, f: f, o: o),
                conditions: ThermalViewingConditions(
                    emissivity: emissivity, reflectedApparentTemperatureCelsius: reflected,
                    atmosphericTemperatureCelsius: atmospheric, relativeHumidity: humidity, objectDistanceMeters: distance,
                    windowTransmission: windowTransmission, windowTemperatureCelsius: windowTemperature,
                    atmosphere: AtmosphericTransmissionCoefficients(alpha1: alpha1, alpha2: alpha2, beta1: beta1,
                                                                    beta2: beta2, x: x)))
        }
    }

    static func sets() throws -> [ThermalSet] { try PhysicsFixtures.meta("thermal_sets", as: [ThermalSet].self) }

    /// Truth: flirpy 0.6.2 `raw2temp` on a grid of raw counts for four constant/condition sets (real camera
    /// constants of flirpy's test frames; with atmosphere, window, emissivity < 1). Float64 throughout: 1e-9 °C.
    func testRawToTemperatureMatchesFlirpy() throws {
        let sets = try Self.sets()
        XCTAssertEqual(sets.count, 4)
        for set in sets {
            let r = try set.radiometry()
            let raw = try PhysicsFixtures.doubles("thermal_\(set.name)_raw")
            let truth = try PhysicsFixtures.doubles("thermal_\(set.name)_celsius")
            XCTAssertEqual(raw.count, truth.count)
            for (x, t) in zip(raw, truth) {
                XCTAssertEqual(r.temperatureCelsius(rawCounts: x), t, accuracy: 1e-9 * max(1, abs(t)), "\(set.name) raw \(x)")
            }
            // Tensor path (Float32 in and out): within Float32 resolution.
            let tensor = r.temperatureCelsius(rawCounts: Tensor(shape: [raw.count], values: raw.map(Float.init)))
            for (got, t) in zip(tensor.scalars, truth) { XCTAssertEqual(Double(got), t, accuracy: 1e-5 * max(1, abs(t)) + 2e-4) }
        }
    }

    /// Round trip: temperature → counts → temperature, and counts → temperature → counts.
    func testInverseRoundTrips() throws {
        for set in try Self.sets() {
            let r = try set.radiometry()
            for c in stride(from: -30.0, through: 150.0, by: 7.5) {
                let raw = r.rawCounts(temperatureCelsius: c)
                XCTAssertEqual(r.temperatureCelsius(rawCounts: raw), c, accuracy: 1e-9, set.name)
            }
            for raw in try PhysicsFixtures.doubles("thermal_\(set.name)_raw") {
                let t = r.temperatureCelsius(rawCounts: raw)
                guard t.isFinite else { continue }
                XCTAssertEqual(r.rawCounts(temperatureCelsius: t), raw, accuracy: 1e-7 * raw, set.name)
            }
            let temps = Tensor(shape: [2, 2], values: [-10, 0, 25, 80])
            let back = r.temperatureCelsius(rawCounts: r.rawCounts(temperatureCelsius: temps))
            XCTAssertEqual(back.shape, [2, 2])
            for (a, b) in zip(back.scalars, temps.scalars) { XCTAssertEqual(a, b, accuracy: 0.02) }
        }
    }

    /// Hand-derived: with E = 1, no atmosphere and no window the model is the bare Planck inversion, and a
    /// blackbody at the reflected temperature reads that temperature whatever the emissivity.
    func testPhysicalLimits() throws {
        let k = PlanckConstants(r1: 364058, r2: 1, b: 1428, f: 1, o: -228)
        let bare = try PlanckRadiometry(constants: k, conditions: ThermalViewingConditions(emissivity: 1, objectDistanceMeters: 0))
        XCTAssertEqual(bare.atmosphericTransmission, 1, accuracy: 1e-15)
        // T = B / ln(R1/(R2(raw+O)) + F) − 273.15 at raw 3000: 1428 / ln(364058/2772 + 1) − 273.15
        XCTAssertEqual(bare.temperatureCelsius(rawCounts: 3000), 1428 / log(364058.0 / 2772 + 1) - 273.15, accuracy: 1e-12)
        for e in [0.3, 0.7, 0.95] {
            let r = try PlanckRadiometry(constants: k, conditions: ThermalViewingConditions(
                emissivity: e, reflectedApparentTemperatureCelsius: 31, objectDistanceMeters: 0))
            XCTAssertEqual(r.temperatureCelsius(rawCounts: k.rawCounts(blackbodyKelvin: 31 + 273.15)), 31, accuracy: 1e-9)
            // With E < 1, a scene brighter than the reflected surroundings belongs to an object hotter than its
            // apparent (E = 1) temperature, and a darker one to a colder object.
            let hot = k.rawCounts(blackbodyKelvin: 60 + 273.15), cold = k.rawCounts(blackbodyKelvin: 25 + 273.15)
            XCTAssertGreaterThan(r.temperatureCelsius(rawCounts: hot), 60)
            XCTAssertLessThan(r.temperatureCelsius(rawCounts: cold), 25)
        }
        // Transmission falls with distance and lies in (0, 1].
        var last = 1.0
        for d in [1.0, 10, 100, 1000] {
            let r = try PlanckRadiometry(constants: k, conditions: ThermalViewingConditions(relativeHumidity: 0.5, objectDistanceMeters: d))
            XCTAssertLessThan(r.atmosphericTransmission, last)
            XCTAssertGreaterThan(r.atmosphericTransmission, 0)
            last = r.atmosphericTransmission
        }
        XCTAssert(bare.temperatureCelsius(rawCounts: 100).isNaN, "below the offset O the log argument is negative")
    }

    /// flirpy passes ExifTool's "30.0 %" through as 30 (divides only above 100): documented, not reproduced.
    func testFlirpyPercentHumidityQuirkDiffers() throws {
        let set = try Self.sets().first { $0.name == "duo_frame" }!
        let quirk = try PhysicsFixtures.doubles("thermal_duo_frame_percent_humidity_celsius")
        let raw = try PhysicsFixtures.doubles("thermal_duo_frame_raw")
        let ours = try set.radiometry()
        for (x, t) in zip(raw, quirk) { XCTAssertGreaterThan(abs(ours.temperatureCelsius(rawCounts: x) - t), 1) }
        XCTAssertThrowsError(try PlanckRadiometry(constants: PlanckConstants(r1: set.r1, r2: set.r2, b: set.b, f: set.f, o: set.o),
                                                  conditions: ThermalViewingConditions(relativeHumidity: 30))) { e in
            XCTAssertEqual(e as? PhysicsTransformError,
                           .parameter(field: "relative humidity", expected: "a fraction in [0, 1]", got: 30))
        }
    }

    func testTemperatureImageMasksOutOfRangeCounts() throws {
        let set = try Self.sets().first { $0.name == "duo_plain" }!
        let r = try set.radiometry()
        let image = try r.temperatureImage(rawCounts: Tensor(shape: [1, 3], values: [3000, 100, 5000]))
        XCTAssertEqual(image.values.shape, [1, 1, 3])
        XCTAssertEqual(image.channels[0].kind, .temperature)
        XCTAssertEqual(image.validMask?.scalars, [1, 0, 1])
        XCTAssertEqual(Double(image.values[0, 0, 0]), r.temperatureCelsius(rawCounts: 3000), accuracy: 1e-4)
        XCTAssertEqual(image.values[0, 0, 1], 0)
        XCTAssertThrowsError(try r.temperatureImage(rawCounts: Tensor(shape: [2, 2, 2])))
    }

    func testBadParametersThrow() {
        let k = PlanckConstants(r1: 1, r2: 1, b: 1, f: 1, o: 0)
        XCTAssertThrowsError(try PlanckRadiometry(constants: k, conditions: ThermalViewingConditions(emissivity: 0)))
        XCTAssertThrowsError(try PlanckRadiometry(constants: k, conditions: ThermalViewingConditions(windowTransmission: 1.2)))
        XCTAssertThrowsError(try PlanckRadiometry(constants: k, conditions: ThermalViewingConditions(objectDistanceMeters: -1)))
        XCTAssertThrowsError(try PlanckRadiometry(constants: PlanckConstants(r1: 1, r2: 0, b: 1, f: 1, o: 0),
                                                  conditions: ThermalViewingConditions()))
    }
}

extension ThermalRadiometryTests {
    /// An image of integer counts in a narrow span takes the per-count table; every pixel equals the per-value
    /// Float64 formula rounded to Float32, and flirpy's set with values outside the calibrated range keeps its NaNs.
    /// Non-integer counts or a NaN send the tensor down the direct path, which agrees the same way.
    func testCountTableGivesThePerPixelFormula() throws {
        for set in try Self.sets() {
            let r = try set.radiometry()
            let raw = try PhysicsFixtures.doubles("thermal_\(set.name)_raw")
            let lo = Int(raw.min()!), span = Int(raw.max()!) - lo + 1
            // 4 × span + 4 pixels: the table (span entries) is under a quarter of them.
            let counts = (0..<(4 * span + 4)).map { Float(lo + ($0 * 7919) % span) }
            var withNaN = counts
            withNaN[5] = .nan
            for values in [counts, counts.map { $0 + 0.5 }, withNaN] {
                let got = r.temperatureCelsius(rawCounts: Tensor(shape: [values.count], values: values)).scalars
                for (v, g) in zip(values, got) {
                    let e = Float(r.temperatureCelsius(rawCounts: Double(v)))
                    if v.isNaN { XCTAssertTrue(g.isNaN); continue }
                    e.isNaN ? XCTAssertTrue(g.isNaN, "\(set.name) raw \(v)") : XCTAssertEqual(g, e, "\(set.name) raw \(v)")
                }
            }
        }
    }
}
