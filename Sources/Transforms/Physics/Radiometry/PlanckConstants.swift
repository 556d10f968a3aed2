/// A radiometric camera's calibration of raw sensor counts against blackbody temperature (FLIR's
/// "Planck R1, R2, B, F, O" metadata): `raw = R1 / (R2 · (exp(B / T) − F)) − O` with T in kelvin.
public struct PlanckConstants: Sendable, Equatable, Hashable, Codable {
    /// Planck R1 (counts · R2 units).
    public var r1: Double
    /// Planck R2 (dimensionless scale; 1 on many cameras).
    public var r2: Double
    /// Planck B, in kelvin.
    public var b: Double
    /// Planck F (dimensionless, typically 1).
    public var f: Double
    /// Planck O, offset in counts (usually negative).
    public var o: Double

    public init(r1: Double, r2: Double, b: Double, f: Double, o: Double) {
        self.r1 = r1
        self.r2 = r2
        self.b = b
        self.f = f
        self.o = o
    }

    /// Raw counts a blackbody at `kelvin` produces: `R1 / (R2 · (exp(B / T) − F)) − O`.
    @inlinable public func rawCounts(blackbodyKelvin t: Double) -> Double {
        r1 / (r2 * (exp(b / t) - f)) - o
    }

    /// Blackbody temperature in kelvin for `raw` counts: `B / ln(R1 / (R2 · (raw + O)) + F)`.
    /// NaN when the logarithm's argument is not positive (counts outside the calibrated range).
    @inlinable public func blackbodyKelvin(rawCounts raw: Double) -> Double {
        let arg = r1 / (r2 * (raw + o)) + f
        return arg > 0 ? b / log(arg) : .nan
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
