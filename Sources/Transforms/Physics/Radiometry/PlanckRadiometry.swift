import TensorCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Raw radiometric counts ⇄ object temperature for FLIR-style cameras.
///
/// The model is flirpy 0.6.2's `raw2temp` (itself ported from Thermimage's `raw2temp.R`, after Minkina and Dudzik),
/// whose core is the usual ExifTool-forum FLIR formula: the measured counts are a mix of the object's
/// emission, the reflected surroundings, the atmosphere (transmission τ over half the object distance on each
/// side of a window at the midpoint) and the window; removing the others leaves the object's counts,
///
///     raw_obj = raw / (E·τ1·IRT·τ2) − (1−E)/E·raw(T_refl) − (1−τ1)/(E·τ1)·raw(T_atm)
///               − (1−IRT)/(E·τ1·IRT)·raw(T_win) − (1−τ2)/(E·τ1·IRT·τ2)·raw(T_atm)
///     T = B / ln(R1 / (R2·(raw_obj + O)) + F) − 273.15   [°C]
///
/// where raw(T) = R1 / (R2·(exp(B/T) − F)) − O, τ1 = τ2 = X·exp(−√(d/2)·(α1 + β1·√w)) + (1−X)·exp(−√(d/2)·(α2 + β2·√w)),
/// w = RH·exp(1.5587 + 0.06939·T_atm − 0.00027816·T_atm² + 6.8455e-7·T_atm³) (water vapour, mmHg, T_atm in °C)
/// and the window's reflectivity is 0. With no window (IRT = 1) and d = 0 it reduces to
/// `raw_obj = (raw − (1−E)·raw(T_refl)) / E`.
///
/// Difference from flirpy: flirpy takes "Relative Humidity" as given and divides by 100 only when the value exceeds
/// 100 (%), so ExifTool's "30.0 %" enters as 30, not 0.30; here the humidity is always a fraction.
public struct PlanckRadiometry: Sendable, Equatable {
    public let constants: PlanckConstants
    public let conditions: ThermalViewingConditions
    /// Atmospheric transmission τ1 = τ2 over half the object distance, dimensionless.
    public let atmosphericTransmission: Double
    /// Count scale 1 / (E·τ1·IRT·τ2).
    @usableFromInline let countScale: Double
    /// Counts from everything but the object, in object-count units (subtracted after scaling).
    @usableFromInline let offset: Double

    /// - Throws: `PhysicsTransformError.parameter` for emissivity or window transmission outside (0, 1], humidity
    ///   outside [0, 1], a negative distance, or non-positive Planck R1, R2 or B.
    public init(constants: PlanckConstants, conditions: ThermalViewingConditions) throws {
        let c = conditions
        func check(_ ok: Bool, _ field: String, _ expected: String, _ v: Double) throws {
            if !ok { throw PhysicsTransformError.parameter(field: field, expected: expected, got: v) }
        }
        try check(c.emissivity > 0 && c.emissivity <= 1, "emissivity", "a value in (0, 1]", c.emissivity)
        try check(c.windowTransmission > 0 && c.windowTransmission <= 1, "IR window transmission", "a value in (0, 1]",
                  c.windowTransmission)
        try check(c.relativeHumidity >= 0 && c.relativeHumidity <= 1, "relative humidity", "a fraction in [0, 1]",
                  c.relativeHumidity)
        try check(c.objectDistanceMeters >= 0, "object distance", "metres ≥ 0", c.objectDistanceMeters)
        try check(constants.r1 > 0, "Planck R1", "> 0", constants.r1)
        try check(constants.r2 > 0, "Planck R2", "> 0", constants.r2)
        try check(constants.b > 0, "Planck B", "> 0 K", constants.b)
        self.constants = constants
        self.conditions = conditions

        let ta = c.atmosphericTemperatureCelsius
        let water = c.relativeHumidity * exp(1.5587 + 0.06939 * ta - 0.00027816 * ta * ta + 0.00000068455 * ta * ta * ta)
        let a = c.atmosphere
        let h = (c.objectDistanceMeters / 2).squareRoot()
        let tau = a.x * exp(-h * (a.alpha1 + a.beta1 * water.squareRoot()))
            + (1 - a.x) * exp(-h * (a.alpha2 + a.beta2 * water.squareRoot()))
        atmosphericTransmission = tau
        let e = c.emissivity, irt = c.windowTransmission
        let rawRefl = constants.rawCounts(blackbodyKelvin: c.reflectedApparentTemperatureCelsius + 273.15)
        let rawAtm = constants.rawCounts(blackbodyKelvin: ta + 273.15)
        let rawWin = constants.rawCounts(blackbodyKelvin: c.windowTemperatureCelsius + 273.15)
        let einv = 1 / e / tau / irt
        let ediv = einv / tau
        countScale = ediv
        offset = (1 - e) / e * rawRefl
            + (1 - tau) / e / tau * rawAtm
            + (1 - irt) * einv * rawWin
            + (1 - tau) * ediv * rawAtm
    }

    /// Object temperature in °C for `raw` sensor counts; NaN outside the calibrated range.
    @inlinable public func temperatureCelsius(rawCounts raw: Double) -> Double {
        constants.blackbodyKelvin(rawCounts: raw * countScale - offset) - 273.15
    }

    /// Raw sensor counts an object at `celsius` produces under these conditions (the inverse of `temperatureCelsius`).
    @inlinable public func rawCounts(temperatureCelsius celsius: Double) -> Double {
        (constants.rawCounts(blackbodyKelvin: celsius + 273.15) + offset) / countScale
    }

    /// Elementwise `temperatureCelsius(rawCounts:)`: any shape (e.g. `[H, W]` counts) → same shape, °C (computed in Float64).
    /// Sensor counts are integers within a narrow span (a scene covers a few thousand of the 65536 codes), so when the
    /// span is under a quarter of the pixel count each integer in it is converted once into a table (the same Float64
    /// formula, so the same result) and the pixels look it up; any value that is not an integer (or NaN) sends the
    /// whole tensor down the per-pixel path.
    public func temperatureCelsius(rawCounts raw: Tensor) -> Tensor {
        let n = raw.count
        return raw.withUnsafeBufferPointer { src in
            guard n > 0 else { return map(raw) { temperatureCelsius(rawCounts: $0) } }
            var lo16 = SIMD16<Float>(repeating: src[0]), hi16 = lo16, i = 0
            while i + 16 <= n {
                let v = UnsafeRawPointer(src.baseAddress! + i).loadUnaligned(as: SIMD16<Float>.self)
                lo16.replace(with: v, where: v .< lo16)
                hi16.replace(with: v, where: v .> hi16)
                i += 16
            }
            var lo = lo16.min(), hi = hi16.max()
            for v in src[i...] { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
            guard lo > -1e9, hi < 1e9, Double(hi) - Double(lo) < Double(n / 4) else { return map(raw) { temperatureCelsius(rawCounts: $0) } }
            let first = Int(lo.rounded(.down))
            let table = (first...Int(hi.rounded(.up))).map { Float(temperatureCelsius(rawCounts: Double($0))) }
            var exact = true
            let out = Tensor(shape: raw.shape) { out in
                table.withUnsafeBufferPointer { t in
                    for i in 0..<n {
                        let v = src[i]
                        // Inside [lo, hi] (false for NaN), so the conversion cannot trap; an integer, so the entry is exact.
                        guard v >= lo && v <= hi, Float(Int(v)) == v else { exact = false; return }
                        out[i] = t[Int(v) - first]
                    }
                }
            }
            return exact ? out : map(raw) { temperatureCelsius(rawCounts: $0) }
        }
    }

    /// Elementwise `rawCounts(temperatureCelsius:)`: any shape, °C → counts.
    public func rawCounts(temperatureCelsius t: Tensor) -> Tensor {
        map(t) { rawCounts(temperatureCelsius: $0) }
    }

    private func map(_ t: Tensor, _ f: @Sendable (Double) -> Double) -> Tensor {
        let n = t.count
        return t.withUnsafeBufferPointer { src in
            Tensor(shape: t.shape) { out in
                let rows = max(1, min(n / 4096, 64))
                Parallel.forEachRow(rows, cost: n / rows * 16) { r in
                    for i in (n * r / rows)..<(n * (r + 1) / rows) { out[i] = Float(f(Double(src[i]))) }
                }
            }
        }
    }
}

extension PlanckRadiometry {
    /// A one-channel temperature image: `rawCounts` `[H, W]` (or `[1, H, W]`) → `[1, H, W]` in °C, kind `.temperature`,
    /// with a valid mask that is 0 where the counts fall outside the calibrated range (temperature NaN, stored as 0).
    public func temperatureImage(rawCounts: Tensor) throws -> ChannelImage {
        let s = rawCounts.shape
        guard s.count == 2 || (s.count == 3 && s[0] == 1) else {
            throw PhysicsTransformError.shape(field: "raw thermal counts", expected: "[H, W] or [1, H, W]", got: s)
        }
        let h = s[s.count - 2], w = s[s.count - 1]
        var t = temperatureCelsius(rawCounts: rawCounts).reshaped([1, h, w])
        let anyInvalid = t.withUnsafeBufferPointer { $0.contains { !$0.isFinite } }
        var mask: Tensor? = nil
        if anyInvalid {
            mask = t.withUnsafeBufferPointer { v in Tensor(shape: [h, w]) { m in for i in 0..<v.count { m[i] = v[i].isFinite ? 1 : 0 } } }
            t.withUnsafeMutableBufferPointer { v in for i in 0..<v.count where !v[i].isFinite { v[i] = 0 } }
        }
        return ChannelImage(values: t,
                            channels: [ChannelDescriptor(name: "temperature", unit: "°C", kind: .temperature)],
                            validMask: mask)
    }
}
