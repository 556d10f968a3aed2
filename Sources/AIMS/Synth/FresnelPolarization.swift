import Foundation

/// Polarization of light leaving a dielectric surface (Atkinson & Hancock 2006, "Recovery of surface orientation from
/// diffuse polarization"; Miyazaki et al. 2003 for the specular case). θ is the zenith angle between the surface
/// normal and the direction towards the camera (radians, 0…π/2), n the refractive index (dimensionless, > 1),
/// φ the azimuth of the normal's projection onto the image plane (radians, measured from the image x axis towards
/// the image y axis, the same frame as the polarizer angle α).
public enum FresnelPolarization {
    /// Degree of linear polarization of specularly reflected unpolarized light,
    ///
    ///     DoLP_s(θ, n) = 2 sin²θ cosθ √(n² − sin²θ) / (n² − sin²θ − n² sin²θ + 2 sin⁴θ)
    ///
    /// (= (R_s − R_p)/(R_s + R_p)); 0 at θ = 0 and 1 at Brewster's angle arctan(n).
    public static func specularDoLP(zenith theta: Double, refractiveIndex n: Double) -> Double {
        let s2 = sin(theta) * sin(theta)
        let num = 2 * s2 * cos(theta) * (n * n - s2).squareRoot()
        let den = n * n - s2 - n * n * s2 + 2 * s2 * s2
        return den > 0 ? min(1, max(0, num / den)) : 0
    }

    /// Degree of linear polarization of diffusely re-emitted light (refracted out of the surface),
    ///
    ///     DoLP_d(θ, n) = (n − 1/n)² sin²θ / (2 + 2n² − (n + 1/n)² sin²θ + 4 cosθ √(n² − sin²θ))
    public static func diffuseDoLP(zenith theta: Double, refractiveIndex n: Double) -> Double {
        let s2 = sin(theta) * sin(theta)
        let a = n - 1 / n, b = n + 1 / n
        return a * a * s2 / (2 + 2 * n * n - b * b * s2 + 4 * cos(theta) * (n * n - s2).squareRoot())
    }

    /// Fresnel reflectance of unpolarized light, (R_s + R_p)/2, for light arriving at `theta` on a medium of index n.
    public static func reflectance(zenith theta: Double, refractiveIndex n: Double) -> Double {
        let c = cos(theta), s = sin(theta)
        let root = (n * n - s * s).squareRoot()
        let rs = (c - root) / (c + root), rp = (n * n * c - root) / (n * n * c + root)
        return (rs * rs + rp * rp) / 2
    }

    /// AoLP of specular reflection: the normal's azimuth + 90° (the light is polarized perpendicular to the plane of
    /// incidence), in [0, π) radians.
    public static func specularAoLP(azimuth phi: Double) -> Double { wrapHalfTurn(phi + .pi / 2) }

    /// AoLP of diffuse polarization: the normal's azimuth, in [0, π) radians.
    public static func diffuseAoLP(azimuth phi: Double) -> Double { wrapHalfTurn(phi) }

    /// Intensity behind an ideal linear polarizer at `alpha` radians: I(α) = S0/2 · (1 + DoLP · cos(2α − 2·AoLP)).
    public static func intensity(s0: Double, dolp: Double, aolp: Double, polarizer alpha: Double) -> Double {
        s0 / 2 * (1 + dolp * cos(2 * alpha - 2 * aolp))
    }

    /// `x` mod π in [0, π).
    public static func wrapHalfTurn(_ x: Double) -> Double {
        let r = x.truncatingRemainder(dividingBy: .pi)
        return r < 0 ? r + .pi : r
    }
}

/// A linear Stokes vector (S0, S1, S2) in radiance units; components of different origin add.
public struct LinearStokesVector: Sendable, Equatable {
    public var s0: Double, s1: Double, s2: Double
    public init(s0: Double, s1: Double, s2: Double) { (self.s0, self.s1, self.s2) = (s0, s1, s2) }

    /// Light of intensity `s0` with degree `dolp` and angle `aolp` (radians): S1 = s0·DoLP·cos 2AoLP, S2 = s0·DoLP·sin 2AoLP.
    public init(intensity s0: Double, dolp: Double, aolp: Double) {
        self.init(s0: s0, s1: s0 * dolp * cos(2 * aolp), s2: s0 * dolp * sin(2 * aolp))
    }

    public static func + (a: Self, b: Self) -> Self { Self(s0: a.s0 + b.s0, s1: a.s1 + b.s1, s2: a.s2 + b.s2) }
    public static func * (a: Self, k: Double) -> Self { Self(s0: a.s0 * k, s1: a.s1 * k, s2: a.s2 * k) }

    /// √(S1² + S2²)/S0 (0 for S0 = 0).
    public var dolp: Double { s0 > 0 ? (s1 * s1 + s2 * s2).squareRoot() / s0 : 0 }
    /// ½·atan2(S2, S1) in [0, π).
    public var aolp: Double { FresnelPolarization.wrapHalfTurn(atan2(s2, s1) / 2) }
    /// I(α) = (S0 + S1 cos 2α + S2 sin 2α)/2.
    public func intensity(polarizer alpha: Double) -> Double { (s0 + s1 * cos(2 * alpha) + s2 * sin(2 * alpha)) / 2 }
}
