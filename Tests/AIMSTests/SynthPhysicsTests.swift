import Foundation
import XCTest
@testable import AIMS

/// The closed forms against the Fresnel equations (Snell's law + s/p amplitude coefficients) computed here from scratch.
final class SynthPhysicsTests: XCTestCase {
    /// Fresnel power reflectances (R_s, R_p) for light going from index n1 to n2 at incidence `theta`.
    static func fresnel(_ n1: Double, _ n2: Double, _ theta: Double) -> (rs: Double, rp: Double) {
        let st = n1 / n2 * sin(theta), ct = (1 - st * st).squareRoot(), ci = cos(theta)
        let rs = (n1 * ci - n2 * ct) / (n1 * ci + n2 * ct), rp = (n2 * ci - n1 * ct) / (n2 * ci + n1 * ct)
        return (rs * rs, rp * rp)
    }

    /// Specular DoLP = (R_s − R_p)/(R_s + R_p) for air → glass.
    static func specularTruth(_ theta: Double, _ n: Double) -> Double {
        let (rs, rp) = fresnel(1, n, theta)
        return (rs - rp) / (rs + rp)
    }

    /// Diffuse DoLP = (T_p − T_s)/(T_p + T_s) for light leaving the body (glass → air) towards the camera at `theta`.
    static func diffuseTruth(_ theta: Double, _ n: Double) -> Double {
        let inside = asin(sin(theta) / n)
        let (rs, rp) = fresnel(n, 1, inside)
        return ((1 - rp) - (1 - rs)) / ((1 - rp) + (1 - rs))
    }

    func testSpecularDoLPMatchesFresnelAndLimits() {
        for n in [1.3, 1.5, 1.8] {
            XCTAssertEqual(FresnelPolarization.specularDoLP(zenith: 0, refractiveIndex: n), 0, accuracy: 1e-12)
            XCTAssertEqual(FresnelPolarization.specularDoLP(zenith: atan(n), refractiveIndex: n), 1, accuracy: 1e-9, "Brewster, n \(n)")
            for deg in stride(from: 5.0, through: 85, by: 10) {
                let t = deg * .pi / 180
                XCTAssertEqual(FresnelPolarization.specularDoLP(zenith: t, refractiveIndex: n), Self.specularTruth(t, n), accuracy: 1e-9)
            }
        }
        // Hand-derived: θ = 45°, n = 1.5: 2·½·(√2/2)·√1.75 / (2.25 − ½ − 1.125 + ½) = 0.935414/1.125.
        XCTAssertEqual(FresnelPolarization.specularDoLP(zenith: .pi / 4, refractiveIndex: 1.5), 0.935414 / 1.125, accuracy: 1e-6)
    }

    func testDiffuseDoLPMatchesFresnelTransmission() {
        for n in [1.3, 1.5, 1.8] {
            XCTAssertEqual(FresnelPolarization.diffuseDoLP(zenith: 0, refractiveIndex: n), 0, accuracy: 1e-12)
            for deg in stride(from: 5.0, through: 85, by: 10) {
                let t = deg * .pi / 180
                XCTAssertEqual(FresnelPolarization.diffuseDoLP(zenith: t, refractiveIndex: n), Self.diffuseTruth(t, n), accuracy: 1e-9)
            }
        }
        // Hand-derived at grazing exit, n = 1.5: (25/36) / (234/36 − 169/36) = 5/13.
        XCTAssertEqual(FresnelPolarization.diffuseDoLP(zenith: .pi / 2, refractiveIndex: 1.5), 5.0 / 13, accuracy: 1e-12)
    }

    func testReflectanceAnglesAndStokes() {
        XCTAssertEqual(FresnelPolarization.reflectance(zenith: 0, refractiveIndex: 1.5), 0.04, accuracy: 1e-12)  // ((n−1)/(n+1))²
        let (rs, rp) = Self.fresnel(1, 1.6, 0.7)
        XCTAssertEqual(FresnelPolarization.reflectance(zenith: 0.7, refractiveIndex: 1.6), (rs + rp) / 2, accuracy: 1e-12)
        XCTAssertEqual(FresnelPolarization.specularAoLP(azimuth: 0.3), 0.3 + .pi / 2, accuracy: 1e-12)
        XCTAssertEqual(FresnelPolarization.specularAoLP(azimuth: 2.0), 2.0 - .pi / 2, accuracy: 1e-12)
        XCTAssertEqual(FresnelPolarization.diffuseAoLP(azimuth: -0.4), .pi - 0.4, accuracy: 1e-12)
        // I(α) of the closed form equals the Stokes projection, and the four angles give S back (S0 = ½ΣI, S1 = I0 − I90).
        let s = LinearStokesVector(intensity: 0.8, dolp: 0.35, aolp: 2.2)
        let i = [0.0, 45, 90, 135].map { s.intensity(polarizer: $0 * .pi / 180) }
        for (k, a) in [0.0, 45, 90, 135].enumerated() {
            XCTAssertEqual(i[k], FresnelPolarization.intensity(s0: 0.8, dolp: 0.35, aolp: 2.2, polarizer: a * .pi / 180), accuracy: 1e-12)
        }
        XCTAssertEqual((i[0] + i[1] + i[2] + i[3]) / 2, 0.8, accuracy: 1e-12)
        XCTAssertEqual(s.dolp, 0.35, accuracy: 1e-12)
        XCTAssertEqual(s.aolp, 2.2, accuracy: 1e-12)
        // Stokes vectors add: orthogonal equal components cancel.
        let sum = LinearStokesVector(intensity: 1, dolp: 0.5, aolp: 0.1) + LinearStokesVector(intensity: 1, dolp: 0.5, aolp: 0.1 + .pi / 2)
        XCTAssertEqual(sum.dolp, 0, accuracy: 1e-12)
    }

    func testCamouflageTransmittanceBalancesMeanIntensity() {
        for n in [1.45, 1.6, 1.8] {
            let r = SynthSceneSampler.meanSilhouetteReflectance(refractiveIndex: n)
            let tau = SynthSceneSampler.camouflageTransmittance(refractiveIndex: n, environmentRatio: 2)
            XCTAssertEqual(tau * (1 - r) + 2 * r, 1, accuracy: 1e-12)
            XCTAssertGreaterThan(r, FresnelPolarization.reflectance(zenith: 0, refractiveIndex: n))
        }
    }
}
