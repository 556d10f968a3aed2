import Foundation
import TensorCore

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
            Tensor(shape: shape) { out in PolarizationKernels.stokes(angles: a.baseAddress!, stokes: out.baseAddress!, count: n) }
        }
    }

    /// Stokes parameters, DoLP and AoLP in one pass over the four angle images (no intermediate
    /// re-reads): the same per-pixel math, and so the same values, as `stokes(angleImages:)`,
    /// `degreeOfLinearPolarization(stokes:)` (unclamped) and `angleOfLinearPolarization(stokes:)`.
    /// - Parameter angleImages: `[4, …]` intensities behind polarizers at 0°, 45°, 90°, 135°.
    /// - Returns: Stokes `[3, …]`, DoLP `[…]` and AoLP `[…]` (radians in [0, π)).
    public static func polarimetry(angleImages: Tensor) throws -> (stokes: Tensor, dolp: Tensor, aolp: Tensor) {
        guard angleImages.rank >= 1, angleImages.shape[0] == 4 else {
            throw PhysicsTransformError.shape(field: "angle images", expected: "[4, ...] (0°, 45°, 90°, 135°)",
                                              got: angleImages.shape)
        }
        let n = angleImages.count / 4
        let plane = Array(angleImages.shape.dropFirst())
        let stokes = TensorStorage(uninitializedCount: 3 * n), dolp = TensorStorage(uninitializedCount: n)
        let aolp = TensorStorage(uninitializedCount: n)
        angleImages.withUnsafeBufferPointer { a in
            PolarizationKernels.polarimetry(angles: a.baseAddress!, s0: stokes.base, s1s2: (stokes.base + n, stokes.base + 2 * n),
                                            dolp: dolp.base, aolp: aolp.base, count: n)
        }
        return (Tensor(shape: [3] + plane, storage: stokes), Tensor(shape: plane, storage: dolp), Tensor(shape: plane, storage: aolp))
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
                PolarizationKernels.dolp(stokes: s.baseAddress!, out: out.baseAddress!, count: n, clamped: clamped)
            }
        }
    }

    /// Angle of linear polarization `AoLP = ½·atan2(S2, S1)` mapped to `[0, π)` radians, measured from
    /// the polarizer 0° axis towards 45°. Where S1 = S2 = 0 the angle is undefined and 0 is returned.
    /// atan2 is a vectorised octant-reduced polynomial (Cephes atanf), within about 1e-7 rad of libm's.
    /// - Parameter stokes: `[3, …]`. - Returns: `[…]` radians.
    public static func angleOfLinearPolarization(stokes: Tensor) throws -> Tensor {
        let (n, shape) = try split(stokes)
        return stokes.withUnsafeBufferPointer { s in
            Tensor(shape: shape) { out in PolarizationKernels.aolp(stokes: s.baseAddress!, out: out.baseAddress!, count: n) }
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
