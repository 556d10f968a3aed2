import Foundation
import Tensor

/// Linear Stokes parameters and the quantities derived from them.
///
/// Convention (polanalyser 3.0.0, `calcStokes` with `polarizer(θ)` Mueller matrices): the intensity
/// behind an ideal linear polarizer at angle θ is `I(θ) = (S0 + S1·cos 2θ + S2·sin 2θ) / 2`. For the
/// four DoFP angles the least-squares (pseudo-inverse) solution is exactly
/// `S0 = (I0 + I45 + I90 + I135) / 2`, `S1 = I0 − I90`, `S2 = I45 − I135`,
/// so S0 is twice the mean of the four angle images.
public enum LinearStokes {
    /// Stokes parameters from four angle images.
    /// - Parameter angleImages: `[4, …]` intensities behind polarizers at 0°, 45°, 90°, 135°
    ///   (e.g. `[4, H, W]` or `[4, 3, H, W]`), any linear unit.
    /// - Returns: `[3, …]`: S0, S1, S2 in the same unit.
    public static func stokes(angleImages: Tensor) throws -> Tensor {
        guard angleImages.rank >= 1, angleImages.shape[0] == 4 else {
            throw PhysicsTransformError.shape(field: "angle images", expected: "[4, ...] (0°, 45°, 90°, 135°)",
                                              got: angleImages.shape)
        }
        let n = angleImages.count / 4
        var shape = angleImages.shape
        shape[0] = 3
        return angleImages.withUnsafeBufferPointer { a in
            Tensor(shape: shape) { out in
                let src = SharedReadPointer(a.baseAddress!), dst = SharedPointer(out.baseAddress!)
                forEachRange(n, cost: 4) { range in
                    let i0 = src.base, i45 = i0 + n, i90 = i0 + 2 * n, i135 = i0 + 3 * n, o = dst.base
                    for k in range {
                        o[k] = (i0[k] + i45[k] + i90[k] + i135[k]) * 0.5
                        o[n + k] = i0[k] - i90[k]
                        o[2 * n + k] = i45[k] - i135[k]
                    }
                }
            }
        }
    }

    /// Least-squares Stokes parameters from N ≥ 3 images behind linear polarizers at arbitrary angles.
    /// - Parameters:
    ///   - images: `[N, …]` intensities.
    ///   - polarizerAngles: N angles in radians; they must span at least three distinct orientations mod π.
    /// - Returns: `[3, …]`: S0, S1, S2 minimising Σ (I_k − (S0 + S1 cos 2θ_k + S2 sin 2θ_k)/2)².
    public static func stokes(images: Tensor, polarizerAngles: [Double]) throws -> Tensor {
        let nImages = polarizerAngles.count
        guard images.rank >= 1, images.shape[0] == nImages, nImages >= 3 else {
            throw PhysicsTransformError.shape(field: "polarizer images", expected: "[\(polarizerAngles.count) ≥ 3, ...]",
                                              got: images.shape)
        }
        // Normal equations AᵀA s = Aᵀ I with rows A_k = (1, cos 2θ, sin 2θ) / 2; solve via the 3×3 inverse.
        var ata = [Double](repeating: 0, count: 9)
        let rows = polarizerAngles.map { [0.5, 0.5 * cos(2 * $0), 0.5 * sin(2 * $0)] }
        for r in rows { for i in 0..<3 { for j in 0..<3 { ata[i * 3 + j] += r[i] * r[j] } } }
        guard let inv = invert3x3(ata) else {
            throw PhysicsTransformError.parameter(field: "polarizer angles", expected: "at least three distinct orientations mod π",
                                                  got: Double(Set(polarizerAngles.map { ($0 / .pi * 180).rounded() }).count))
        }
        // pinv = (AᵀA)⁻¹ Aᵀ: [3, N]
        var pinv = [Float](repeating: 0, count: 3 * nImages)
        for i in 0..<3 {
            for k in 0..<nImages {
                var v = 0.0
                for j in 0..<3 { v += inv[i * 3 + j] * rows[k][j] }
                pinv[i * nImages + k] = Float(v)
            }
        }
        let n = images.count / nImages
        var shape = images.shape
        shape[0] = 3
        return images.withUnsafeBufferPointer { a in
            Tensor(shape: shape) { out in
                for i in 0..<3 {
                    for p in 0..<n {
                        var v: Float = 0
                        for k in 0..<nImages { v += pinv[i * nImages + k] * a[k * n + p] }
                        out[i * n + p] = v
                    }
                }
            }
        }
    }

    /// Degree of linear polarization `DoLP = √(S1² + S2²) / S0`, dimensionless.
    /// Pixels with `S0 ≤ 0` give 0 (polanalyser divides regardless and yields inf/NaN there). Not clipped:
    /// values above 1 reveal noise or miscalibration; use `clamped: true` to cap them at 1.
    /// - Parameter stokes: `[3, …]` (S0, S1, S2). - Returns: `[…]`.
    public static func degreeOfLinearPolarization(stokes: Tensor, clamped: Bool = false) throws -> Tensor {
        let (n, shape) = try split(stokes)
        return stokes.withUnsafeBufferPointer { s in
            Tensor(shape: shape) { out in
                let src = SharedReadPointer(s.baseAddress!), dst = SharedPointer(out.baseAddress!)
                forEachRange(n, cost: 8) { range in
                    let s = src.base
                    for k in range {
                        let s0 = s[k], s1 = s[n + k], s2 = s[2 * n + k]
                        var d: Float = s0 > 0 ? (s1 * s1 + s2 * s2).squareRoot() / s0 : 0
                        if clamped { d = min(d, 1) }
                        dst.base[k] = d
                    }
                }
            }
        }
    }

    /// Angle of linear polarization `AoLP = ½·atan2(S2, S1)` mapped to `[0, π)` radians, measured from
    /// the polarizer 0° axis towards 45°. Where S1 = S2 = 0 the angle is undefined and 0 is returned.
    /// - Parameter stokes: `[3, …]`. - Returns: `[…]` radians.
    public static func angleOfLinearPolarization(stokes: Tensor) throws -> Tensor {
        let (n, shape) = try split(stokes)
        return stokes.withUnsafeBufferPointer { s in
            Tensor(shape: shape) { out in
                let src = SharedReadPointer(s.baseAddress!), dst = SharedPointer(out.baseAddress!)
                forEachRange(n, cost: 32) { range in
                    for k in range { dst.base[k] = wrapAngle(0.5 * atan2(src.base[2 * n + k], src.base[n + k])) }
                }
            }
        }
    }

    /// The doubled-angle encoding of an axial angle: `[2, …]` = (cos 2θ, sin 2θ), continuous across
    /// the 0/π wrap. - Parameter aolp: `[…]` radians.
    public static func doubledAngleEncoding(aolp: Tensor) -> Tensor {
        let n = aolp.count
        return aolp.withUnsafeBufferPointer { a in
            Tensor(shape: [2] + aolp.shape) { out in
                for k in 0..<n {
                    out[k] = cos(2 * a[k])
                    out[n + k] = sin(2 * a[k])
                }
            }
        }
    }

    /// Maps an angle in radians into `[0, π)` (guarding the float rounding that would give exactly π).
    @inlinable public static func wrapAngle(_ a: Float) -> Float {
        var r = a.truncatingRemainder(dividingBy: .pi)
        if r < 0 { r += .pi }
        return r >= .pi ? 0 : r
    }

    static func split(_ stokes: Tensor) throws -> (Int, [Int]) {
        guard stokes.rank >= 1, stokes.shape[0] == 3 else {
            throw PhysicsTransformError.shape(field: "Stokes parameters", expected: "[3, ...] (S0, S1, S2)", got: stokes.shape)
        }
        return (stokes.count / 3, Array(stokes.shape.dropFirst()))
    }

    static func invert3x3(_ m: [Double]) -> [Double]? {
        let c00 = m[4] * m[8] - m[5] * m[7], c01 = m[5] * m[6] - m[3] * m[8], c02 = m[3] * m[7] - m[4] * m[6]
        let det = m[0] * c00 + m[1] * c01 + m[2] * c02
        guard abs(det) > 1e-12 else { return nil }
        let inv: [Double] = [
            c00, m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
            c01, m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
            c02, m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3],
        ]
        return inv.map { $0 / det }
    }
}
