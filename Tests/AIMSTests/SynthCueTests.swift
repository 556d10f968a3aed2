import Foundation
import XCTest
@testable import AIMS

/// `SynthOptions.cue`: the rendered frames must hide the objects from RGB and show them in the cue's channel,
/// measured on the renderer's radiometric output (object pixels against the wall pixels around them).
final class SynthCueTests: XCTestCase {
    /// Per object: relative contrast of RGB intensity, of NIR radiance, the temperature difference (°C, from the
    /// thermal counts through the camera's Planck curve), the depth difference (m) and the mean DoLP of object and
    /// wall, each object's pixels against the wall pixels within 6 px of its bounding box.
    struct Contrast { var rgb: Double; var nir: Double; var kelvin: Double; var depth: Double; var dolp: (object: Double, wall: Double) }

    static func contrasts(_ cue: SynthCue?, scenes: Int = 4) -> [Contrast] {
        var options = SynthOptions()
        (options.width, options.height) = (96, 96)
        options.cue = cue
        let sampler = SynthSceneSampler(seed: 11, options: options)
        var out: [Contrast] = []
        for i in 0..<scenes {
            let scene = sampler.scene(index: i, count: scenes)
            let f = SynthRenderer(scene: scene).render()
            let w = f.width, h = f.height
            let planck = scene.thermalCamera.planck
            func celsius(_ p: Int) -> Double { planck.blackbodyKelvin(rawCounts: Double(f.thermalCounts[p])) - 273.15 }
            func intensity(_ p: Int) -> Double { (0..<3).map { Double(f.stokes[$0][0][p]) }.reduce(0, +) / 3 }
            func dolp(_ p: Int) -> Double {
                let s = f.stokes[1]
                return Double((s[1][p] * s[1][p] + s[2][p] * s[2][p]).squareRoot() / max(s[0][p], 1e-6))
            }
            for o in scene.objects {
                let inside = (0..<(w * h)).filter { Int(f.label[$0]) == o.label }
                guard inside.count >= 20 else { continue }
                let xs = inside.map { $0 % w }, ys = inside.map { $0 / w }
                let x0 = xs.min()! - 6, x1 = xs.max()! + 6, y0 = ys.min()! - 6, y1 = ys.max()! + 6
                let ring = (0..<(w * h)).filter { p in f.label[p] == 0 && (x0...x1).contains(p % w) && (y0...y1).contains(p / w) }
                guard ring.count >= 20 else { continue }
                func mean(_ ps: [Int], _ v: (Int) -> Double) -> Double { ps.map(v).reduce(0, +) / Double(ps.count) }
                func relative(_ v: (Int) -> Double) -> Double { abs(mean(inside, v) - mean(ring, v)) / mean(ring, v) }
                out.append(Contrast(rgb: relative(intensity), nir: relative { Double(f.nir[$0]) },
                                    kelvin: abs(mean(inside, celsius) - mean(ring, celsius)),
                                    depth: mean(ring) { Double(f.depth[$0]) } - mean(inside) { Double(f.depth[$0]) },
                                    dolp: (mean(inside, dolp), mean(ring, dolp))))
            }
        }
        return out
    }

    func testCamouflagedCuesHideObjectsFromRGBAndShowThemInTheirChannel() {
        for cue in [SynthCue.depth, .nir, .thermal] {
            let c = Self.contrasts(cue)
            XCTAssertGreaterThanOrEqual(c.count, 4, "\(cue): objects measured")
            let rgb = c.map(\.rgb).reduce(0, +) / Double(c.count)
            // Invisible in RGB: all-ambient light on the wall's albedo gives the wall's radiance (Lambert), so the only
            // difference left is Float rounding in the renderer.
            XCTAssertLessThan(rgb, 1e-4, "\(cue): mean RGB contrast")
            for x in c { XCTAssertLessThan(x.rgb, 1e-3, "\(cue): RGB contrast") }
            for x in c {
                // Every object stands in front of the wall (0.6–2.6 m), whatever the cue.
                XCTAssertGreaterThan(x.depth, 0.5, "\(cue): depth step")
                switch cue {
                case .nir:
                    XCTAssertGreaterThan(x.nir, 0.25, "nir: NIR contrast")
                    XCTAssertGreaterThan(x.nir, 3 * x.rgb, "nir: NIR contrast against RGB's")
                    XCTAssertLessThan(x.kelvin, 0.1, "nir: thermally camouflaged")
                case .thermal:
                    XCTAssertGreaterThan(x.kelvin, 6, "thermal: temperature step")
                    XCTAssertLessThan(x.nir, 1e-3, "thermal: NIR camouflaged")
                default:
                    XCTAssertLessThan(x.nir, 1e-3, "depth: NIR camouflaged")
                    XCTAssertLessThan(x.kelvin, 0.1, "depth: thermally camouflaged")
                }
            }
        }
    }

    func testPolarizationCueMakesEveryObjectFaintGlassWithStrongDoLP() {
        var options = SynthOptions()
        options.cue = .polarization
        let scene = SynthSceneSampler(seed: 11, options: options).scene(index: 0, count: 4)
        XCTAssertTrue(scene.objects.allSatisfy { $0.material.kind == .glass })
        let c = Self.contrasts(.polarization)
        XCTAssertGreaterThanOrEqual(c.count, 4)
        for x in c {
            XCTAssertLessThan(x.rgb, 0.2, "glass intensity contrast")
            XCTAssertGreaterThan(x.dolp.object, 3 * x.dolp.wall, "glass DoLP \(x.dolp.object) vs wall \(x.dolp.wall)")
        }
    }

    /// A cue changes nothing of the default draws: the same seed gives the same geometry, and no cue gives the
    /// default scene (whose files the synth tests pin byte for byte).
    func testCueKeepsGeometryAndNilKeepsTheDefaultScene() throws {
        let plain = SynthSceneSampler(seed: 5, options: SynthOptions()).scene(index: 2, count: 8)
        var options = SynthOptions()
        options.cue = .nir
        let cued = SynthSceneSampler(seed: 5, options: options).scene(index: 2, count: 8)
        XCTAssertEqual(plain.objects.map(\.center), cued.objects.map(\.center))
        XCTAssertEqual(plain.objects.map(\.radii), cued.objects.map(\.radii))
        XCTAssertNotEqual(plain.objects.map(\.material), cued.objects.map(\.material))
        // synth.json of a default dataset has no cue key.
        let json = String(decoding: try SynthDatasetWriter.json(SynthOptions()), as: UTF8.self)
        XCTAssertFalse(json.contains("cue"))
    }
}
