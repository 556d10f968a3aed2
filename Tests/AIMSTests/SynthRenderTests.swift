import Foundation
import ImageIO
import Modalities
import TensorCore
import Transforms
import XCTest
@testable import AIMS

/// One hand-built scene (a matte sphere, a glass sphere, a fronto-parallel wall, light from the camera), rendered with
/// no noise; every modality's decode through the built-in readers is compared with geometry and Fresnel optics computed
/// here from scratch.
final class SynthRenderTests: XCTestCase {
    static let f = 70.0, size = 64
    static let c = (Double(size) - 1) / 2
    static let matte = (center: SIMD3<Double>(-0.4, 0, 2), radius: 0.35)
    static let glass = (center: SIMD3<Double>(0.4, 0.05, 2), radius: 0.3)
    static let wallZ = 3.0, ambient = 0.25, irradiance = 0.6
    static let matteAlbedo = [0.7, 0.3, 0.2], wallAlbedo = [0.6, 0.5, 0.4], environment = [1.2, 1.0, 0.8]

    static var scene: SynthScene {
        let identity = [1.0, 0, 0, 0, 1, 0, 0, 0, 1]
        return SynthScene(
            id: "0000", camera: SynthCamera(width: size, height: size, focalLength: f, cx: c, cy: c),
            background: SynthBackground(normal: [0, 0, -1], distance: wallZ, albedo: wallAlbedo, nirReflectance: 0.5,
                                        refractiveIndex: 1.5, temperatureCelsius: 20, temperatureAmplitude: 0, emissivity: 0.95,
                                        waves: []),
            objects: [
                SynthObject(label: 1, center: [-0.4, 0, 2], radii: [0.35, 0.35, 0.35], rotation: identity,
                            material: SynthMaterial(kind: .matte, albedo: matteAlbedo, nirReflectance: 0.9, transmittance: 0,
                                                    nirTransmittance: 0, refractiveIndex: 1.6, temperatureCelsius: 45, emissivity: 1)),
                SynthObject(label: 2, center: [0.4, 0.05, 2], radii: [0.3, 0.3, 0.3], rotation: identity,
                            material: SynthMaterial(kind: .glass, albedo: [1, 1, 1], nirReflectance: 0, transmittance: 0.9,
                                                    nirTransmittance: 0.5, refractiveIndex: 1.5, temperatureCelsius: 30, emissivity: 0.9)),
            ],
            light: SynthLight(direction: [0, 0, -1], irradiance: irradiance, ambient: ambient, environment: environment, nirEnvironment: 0.8),
            thermalCamera: SynthThermalCamera(planck: SynthThermalCamera.standardPlanck, reflectedTemperatureCelsius: 20))
    }

    static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aims-synth-render-\(UUID().uuidString)")
        _ = try! SynthDatasetWriter.writeScene(scene, noise: 0, to: url)
        return url
    }()

    override class func tearDown() { try? FileManager.default.removeItem(at: root) }

    /// Ray through pixel (u, v) (0-based centres) and its first sphere hit: (label, z-depth, unit normal).
    static func ray(_ u: Int, _ v: Int) -> SIMD3<Double> { SIMD3((Double(u) - c) / f, (Double(v) - c) / f, 1) }

    static func sphere(_ d: SIMD3<Double>, _ s: (center: SIMD3<Double>, radius: Double)) -> (t: Double, normal: SIMD3<Double>, margin: Double)? {
        let a = (d * d).sum(), b = -2 * (d * s.center).sum(), cc = (s.center * s.center).sum() - s.radius * s.radius
        let disc = b * b - 4 * a * cc
        guard disc >= 0 else { return nil }
        let t = (-b - disc.squareRoot()) / (2 * a)
        return (t, (t * d - s.center) / s.radius, disc)
    }

    struct Truth { var label: Int; var z: Double; var normal: SIMD3<Double>; var margin: Double }

    static func truth(_ u: Int, _ v: Int) -> Truth {
        let d = ray(u, v)
        if let h = sphere(d, matte) { return Truth(label: 1, z: h.t, normal: h.normal, margin: h.margin) }
        if let h = sphere(d, glass) { return Truth(label: 2, z: h.t, normal: h.normal, margin: h.margin) }
        return Truth(label: 0, z: wallZ, normal: SIMD3(0, 0, -1), margin: .infinity)
    }

    /// θ and φ (normal's component perpendicular to the ray) of a normal seen along ray `d`.
    static func angles(_ n: SIMD3<Double>, _ d: SIMD3<Double>) -> (theta: Double, phi: Double) {
        let view = -d / (d * d).sum().squareRoot()
        let cosine = (n * view).sum()
        let p = n - cosine * view
        return (acos(cosine), atan2(p.y, p.x))
    }

    /// Expected Stokes vector (S0, S1, S2) of colour `k` at pixel (u, v), radiance units.
    static func expectedStokes(_ u: Int, _ v: Int, colour k: Int) -> (Double, Double, Double) {
        let d = ray(u, v), t = truth(u, v)
        func diffuse(_ s0: Double, _ n: SIMD3<Double>, _ index: Double) -> (Double, Double, Double) {
            let (theta, phi) = angles(n, d)
            let rho = SynthPhysicsTests.diffuseTruth(theta, index)
            return (s0, s0 * rho * cos(2 * phi), s0 * rho * sin(2 * phi))
        }
        let shading = ambient + irradiance * max(0, -t.normal.z)
        switch t.label {
        case 1: return diffuse(matteAlbedo[k] * shading, t.normal, 1.6)
        case 0: return diffuse(wallAlbedo[k] * (ambient + irradiance), t.normal, 1.5)
        default:
            let wall = diffuse(wallAlbedo[k] * (ambient + irradiance), SIMD3(0, 0, -1), 1.5)
            let (theta, phi) = angles(t.normal, d)
            let (rs, rp) = SynthPhysicsTests.fresnel(1, 1.5, theta)
            let r = (rs + rp) / 2, rho = (rs - rp) / (rs + rp), psi = phi + .pi / 2
            let keep = 0.9 * (1 - r), spec = r * environment[k]
            return (wall.0 * keep + spec, wall.1 * keep + spec * rho * cos(2 * psi), wall.2 * keep + spec * rho * sin(2 * psi))
        }
    }

    /// Pixels whose 5×5 neighbourhood has one label (away from silhouettes), with that label.
    static func interior(margin m: Int = 2) -> [(u: Int, v: Int, label: Int)] {
        var out: [(Int, Int, Int)] = []
        for v in m..<(size - m) {
            for u in m..<(size - m) {
                let l = truth(u, v).label
                var same = true
                for dv in -m...m { for du in -m...m where truth(u + du, v + dv).label != l { same = false } }
                if same { out.append((u, v, l)) }
            }
        }
        return out
    }

    static func angleError(_ a: Double, _ b: Double) -> Double {
        let d = abs(a - b).truncatingRemainder(dividingBy: .pi)
        return min(d, .pi - d)
    }

    func decoded(_ identifier: String, root: URL) throws -> (ChannelImage, Tensor?) {
        try decoded(ModalityRegistry.standard.require(identifier), root: root)
    }

    func decoded(_ m: any Modality, root: URL) throws -> (ChannelImage, Tensor?) {
        let identifier = m.identifier
        let samples = try m.samples(in: root)
        XCTAssertEqual(samples.map(\.id), ["0000"], identifier)
        return (try m.decode(samples[0], root: root), try m.label(samples[0], root: root))
    }

    func testFourAngleImagesDecodeToFresnelDoLPAndAoLP() throws {
        let (image, _) = try decoded("polarization-4angle", root: Self.root.appendingPathComponent("zju-rgbp/train"))
        let v = image.values.scalars, plane = Self.size * Self.size
        var checked = [0, 0, 0], angleChecked = 0
        for p in Self.interior() {
            let i = p.v * Self.size + p.u
            for k in 0..<3 {
                let (s0, s1, s2) = Self.expectedStokes(p.u, p.v, colour: k)
                let counts = 255 * s0, dolp = (s1 * s1 + s2 * s2).squareRoot() / s0
                XCTAssertEqual(Double(v[k * plane + i]), counts, accuracy: 1.01, "S0 at \(p)")
                XCTAssertEqual(Double(v[(3 + k) * plane + i]), dolp, accuracy: 2.2 / counts, "DoLP colour \(k) at \(p)")
                if dolp * counts > 12 {
                    let aolp = FresnelPolarization.wrapHalfTurn(atan2(s2, s1) / 2)
                    XCTAssertLessThan(Self.angleError(Double(v[(6 + k) * plane + i]), aolp), 1.5 / (dolp * counts), "AoLP at \(p)")
                    angleChecked += 1
                }
            }
            checked[p.label] += 1
        }
        XCTAssertGreaterThan(checked[1], 200)
        XCTAssertGreaterThan(checked[2], 150)
        XCTAssertGreaterThan(angleChecked, 40)
    }

    func testGlassIsFaintInIntensityButPolarized() throws {
        let (image, _) = try decoded("polarization-4angle", root: Self.root.appendingPathComponent("zju-rgbp/train"))
        let v = image.values.scalars, plane = Self.size * Self.size
        var glassDoLP: [Float] = [], wallDoLP: [Float] = []
        for p in Self.interior() where p.label != 1 {
            let dolp = v[3 * plane + p.v * Self.size + p.u]
            if p.label == 2 { glassDoLP.append(dolp) } else { wallDoLP.append(dolp) }
        }
        let mean = { (x: [Float]) in x.reduce(0, +) / Float(x.count) }
        XCTAssertGreaterThan(mean(glassDoLP), 5 * mean(wallDoLP))
    }

    func testMosaicDecodesToTheSamePolarization() throws {
        let (image, label) = try decoded("polarization-mono", root: Self.root)
        XCTAssertEqual(image.values.shape, [3, Self.size, Self.size])
        XCTAssertNotNil(label)
        let v = image.values.scalars, plane = Self.size * Self.size
        var n = 0
        for p in Self.interior(margin: 3) where p.label == 1 {
            // Mono = mean of the colours' Stokes vectors.
            let e = (0..<3).map { Self.expectedStokes(p.u, p.v, colour: $0) }
            let s0 = e.map(\.0).reduce(0, +) / 3, s1 = e.map(\.1).reduce(0, +) / 3, s2 = e.map(\.2).reduce(0, +) / 3
            let i = p.v * Self.size + p.u
            let dolp = (s1 * s1 + s2 * s2).squareRoot() / s0
            XCTAssertEqual(Double(v[i]), 65535 * s0, accuracy: 65535 * s0 * 0.03, "S0 at \(p)")
            XCTAssertEqual(Double(v[plane + i]), dolp, accuracy: 0.02, "DoLP at \(p)")
            if dolp > 0.05 {
                XCTAssertLessThan(Self.angleError(Double(v[2 * plane + i]), FresnelPolarization.wrapHalfTurn(atan2(s2, s1) / 2)), 0.1)
            }
            n += 1
        }
        XCTAssertGreaterThan(n, 150)
    }

    /// The 8-bit colour mosaic (IMX250MYR: polarizer superpixels under an RGGB of 2×2 blocks), demosaiced by the
    /// colour reader, gives each colour's Stokes vector of the scene; read as ZJU-RGBP channels (`zju-rgbp-mosaic`)
    /// it gives what the four-angle images give (`zju-rgbp`) away from silhouettes.
    func testColourMosaicDecodesToEachColoursPolarization() throws {
        let colour = try PolarizationModality(identifier: "colour", capture: .colourMosaic(.sonyIMX250), patterns: ["polarization-rgb/{id}.*"])
        let (image, label) = try decoded(colour, root: Self.root)
        XCTAssertEqual(image.values.shape, [9, Self.size, Self.size])
        XCTAssertNotNil(label)
        let v = image.values.scalars, plane = Self.size * Self.size
        var n = 0
        for p in Self.interior(margin: 4) where p.label == 1 {
            let i = p.v * Self.size + p.u
            for k in 0..<3 {
                let (s0, s1, s2) = Self.expectedStokes(p.u, p.v, colour: k)
                let dolp = (s1 * s1 + s2 * s2).squareRoot() / s0
                XCTAssertEqual(Double(v[k * plane + i]), 255 * s0, accuracy: 255 * s0 * 0.04 + 1, "S0 colour \(k) at \(p)")
                // 8-bit quantisation of four dim samples: about 2 counts of S0 (as the four-angle test), plus interpolation.
                XCTAssertEqual(Double(v[(3 + k) * plane + i]), dolp, accuracy: 0.01 + 2.2 / (255 * s0), "DoLP colour \(k) at \(p)")
            }
            n += 1
        }
        XCTAssertGreaterThan(n, 100)

        let (raw, _) = try decoded("zju-rgbp-mosaic", root: Self.root)
        let (four, _) = try decoded("zju-rgbp", root: Self.root.appendingPathComponent("zju-rgbp/train"))
        XCTAssertEqual(raw.channels, four.channels)
        let r = raw.values.scalars, f = four.values.scalars
        var compared = 0
        for p in Self.interior(margin: 4) where p.label != 2 {
            let i = p.v * Self.size + p.u
            for k in 0..<3 {
                let intensity = Double(f[k * plane + i])
                XCTAssertEqual(Double(r[k * plane + i]), intensity, accuracy: intensity * 0.04 + 2, "I colour \(k) at \(p)")
                XCTAssertEqual(Double(r[(6 + k) * plane + i]), Double(f[(6 + k) * plane + i]), accuracy: 0.01 + 3 / intensity,
                               "DoLP colour \(k) at \(p)")
            }
            compared += 1
        }
        XCTAssertGreaterThan(compared, 1000)
    }

    /// A mono mosaic read as RGB (`zju-rgbp-mono`): ZJU-RGBP's nine channels with R = G = B, each the mono reading's
    /// intensity (S0) and DoLP.
    func testMonoMosaicReadAsRGBRepeatsTheGreyReading() throws {
        let (rgb, _) = try decoded("zju-rgbp-mono", root: Self.root)
        let (grey, _) = try decoded("polarization-mono", root: Self.root)
        XCTAssertEqual(rgb.channels, PolarizationModality.zjuRGBP().channels)
        let r = rgb.values.scalars, g = grey.values.scalars, plane = Self.size * Self.size
        for i in stride(from: 0, to: plane, by: 7) {
            for group in 0..<3 {
                XCTAssertEqual(r[3 * group * plane + i], r[(3 * group + 1) * plane + i])
                XCTAssertEqual(r[3 * group * plane + i], r[(3 * group + 2) * plane + i])
            }
            XCTAssertEqual(r[i], g[i], accuracy: g[i] * 1e-5 + 1e-3, "I = S0 at \(i)")
            if g[plane + i] < 0.999 { XCTAssertEqual(r[6 * plane + i], g[plane + i], accuracy: 1e-4, "DoLP at \(i)") }
        }
    }

    func testDepthLabelsNIRAndThermalMatchTheScene() throws {
        let (depth, labels) = try decoded("depth", root: Self.root)
        let (nir, _) = try decoded("nir", root: Self.root)
        let (thermal, _) = try decoded("thermal", root: Self.root)
        let z = depth.values.scalars, l = try XCTUnwrap(labels).scalars, q = nir.values.scalars, t = thermal.values.scalars
        var matte = 0
        for v in 0..<Self.size {
            for u in 0..<Self.size {
                let truth = Self.truth(u, v), i = v * Self.size + u
                guard truth.margin > 1e-6 else { continue }  // grazing rays: either answer is exact
                XCTAssertEqual(Int(l[i]), truth.label, "label at (\(u), \(v))")
                // 16-bit z-depth in millimetres (not the range along the ray).
                XCTAssertEqual(Double(z[i]), (truth.z * 1000).rounded() / 1000, accuracy: 1e-6, "depth at (\(u), \(v))")
                switch truth.label {
                case 1:
                    let shading = Self.ambient + Self.irradiance * max(0, -truth.normal.z)
                    XCTAssertEqual(Double(q[i]), (0.9 * shading * 255).rounded() / 255, accuracy: 1e-6, "NIR at (\(u), \(v))")
                    XCTAssertEqual(Double(t[i]), 45, accuracy: 0.1, "ε = 1 object temperature at (\(u), \(v))")
                    matte += 1
                case 0:
                    // Wall at 20 °C reflecting 20 °C surroundings: the apparent temperature is 20 °C whatever ε.
                    XCTAssertEqual(Double(t[i]), 20, accuracy: 0.1)
                default:
                    // Glass (ε 0.9, 30 °C) reflecting 20 °C: apparent temperature between, closer to 30.
                    XCTAssertGreaterThan(Double(t[i]), 28.5)
                    XCTAssertLessThan(Double(t[i]), 30)
                }
            }
        }
        XCTAssertGreaterThan(matte, 300)
    }
}
