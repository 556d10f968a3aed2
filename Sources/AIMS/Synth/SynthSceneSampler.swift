import Foundation

/// Draws scenes from a seed: scene `index` of `seed` depends on nothing else (so scenes can render in parallel).
public struct SynthSceneSampler: Sendable {
    public var seed: UInt64
    public var options: SynthOptions

    public init(seed: UInt64, options: SynthOptions) {
        self.seed = seed
        self.options = options
    }

    /// The sample id of scene `index` among `count`: zero-padded to at least 4 digits.
    public static func id(index: Int, count: Int) -> String {
        let digits = max(4, String(max(count - 1, 0)).count)
        let s = String(index)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }

    /// The indices (sorted) that go to the val/test split: round(count·valFraction) of them, by a seeded shuffle.
    public func validationIndices(count: Int) -> Set<Int> {
        var rng = SynthRandom(seed: seed, stream: .max)
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(in: 0...i)) }
        let k = Int((Double(count) * options.valFraction).rounded())
        return Set(order.prefix(k))
    }

    public func scene(index: Int, count: Int) -> SynthScene {
        var g = SynthRandom(seed: seed, stream: UInt64(index))
        let o = options
        let w = o.width, h = o.height
        let f = 1.1 * Double(w)
        let camera = SynthCamera(width: w, height: h, focalLength: f, cx: Double(w - 1) / 2, cy: Double(h - 1) / 2)

        let wallNormal = normalized(SIMD3(g.uniform(-0.2, 0.2), g.uniform(-0.2, 0.2), -1))
        let grey = g.uniform(0.55, 0.8)
        let wallAlbedo = (0..<3).map { _ in grey * g.uniform(0.9, 1.1) }
        let wallTemperature = g.uniform(18, 24)
        let waves = (0..<3).map { _ -> SynthWave in
            let k = g.uniform(0.2, 1.0), dir = g.uniform(0, 2 * .pi)
            return SynthWave(kx: k * cos(dir), ky: k * sin(dir), phase: g.uniform(0, 2 * .pi), amplitude: g.uniform(0.08, 0.15))
        }
        let background = SynthBackground(
            normal: array(wallNormal), distance: g.uniform(3, 4), albedo: wallAlbedo, nirReflectance: g.uniform(0.4, 0.7),
            refractiveIndex: 1.5, temperatureCelsius: wallTemperature, temperatureAmplitude: 1.5, emissivity: 0.95, waves: waves)

        let lightDirection = normalized(SIMD3(g.uniform(-0.5, 0.5), g.uniform(-0.9, -0.3), -1))
        let irradiance = g.uniform(0.55, 0.7), ambient = g.uniform(0.2, 0.3)
        let wallShading = ambient + irradiance * max(0, (wallNormal * lightDirection).sum())
        let light = SynthLight(direction: array(lightDirection), irradiance: irradiance, ambient: ambient,
                               environment: wallAlbedo.map { $0 * wallShading * o.environmentRatio },
                               nirEnvironment: background.nirReflectance * wallShading * o.environmentRatio)

        let objectCount = g.int(in: o.minObjects...o.maxObjects)
        var objects: [SynthObject] = []
        for j in 0..<objectCount {
            let glass = o.glassFraction > 0 && (j == 0 || g.unit() < o.glassFraction)
            let z = g.uniform(1.4, 2.4)
            let u = g.uniform(0.2, 0.8) * Double(w - 1), v = g.uniform(0.2, 0.8) * Double(h - 1)
            let center = SIMD3((u - camera.cx) / f * z, (v - camera.cy) / f * z, z)
            let r = g.uniform(0.13, 0.24) * z / 1.9
            let sphere = g.unit() < 0.5
            let radii = sphere ? [r, r, r] : (0..<3).map { _ in r * g.uniform(0.6, 1.4) }
            let rotation = sphere ? [1.0, 0, 0, 0, 1, 0, 0, 0, 1]
                : rotationMatrix(g.uniform(0, 2 * .pi), g.uniform(0, 2 * .pi), g.uniform(0, 2 * .pi))
            var material: SynthMaterial
            if glass {
                material = SynthMaterial(kind: .glass, albedo: [1, 1, 1], nirReflectance: 0, transmittance: 0,
                                         nirTransmittance: g.uniform(0.3, 0.7), refractiveIndex: g.uniform(1.45, 1.8),
                                         temperatureCelsius: wallTemperature + g.uniform(-8, 25), emissivity: g.uniform(0.9, 0.95))
            } else {
                material = SynthMaterial(kind: .matte, albedo: (0..<3).map { _ in g.uniform(0.15, 0.9) },
                                         nirReflectance: g.uniform(0.1, 0.9), transmittance: 0, nirTransmittance: 0,
                                         refractiveIndex: g.uniform(1.3, 1.7), temperatureCelsius: g.uniform(5, 60),
                                         emissivity: g.uniform(0.85, 1.0))
            }
            if material.kind == .glass {
                // Camouflage: the body's absorption cancels, on average over the silhouette, the light the surface
                // mirrors, so the glass barely changes the mean intensity (it stays visible in DoLP/AoLP).
                material.transmittance = Self.camouflageTransmittance(refractiveIndex: material.refractiveIndex,
                                                                      environmentRatio: o.environmentRatio)
            }
            objects.append(SynthObject(label: j + 1, center: array(center), radii: radii, rotation: rotation, material: material))
        }
        let scene = SynthScene(id: Self.id(index: index, count: count),
                               camera: camera, background: background, objects: objects, light: light,
                               thermalCamera: SynthThermalCamera(planck: SynthThermalCamera.standardPlanck,
                                                                 reflectedTemperatureCelsius: wallTemperature))
        return o.cue.map { applying($0, to: scene, index: index) } ?? scene
    }
}

extension SynthSceneSampler {
    /// Mean Fresnel reflectance R̄ over the silhouette of a sphere (sin²θ uniform on [0, 1] over its projected disk),
    /// by the midpoint rule with 256 steps.
    public static func meanSilhouetteReflectance(refractiveIndex n: Double) -> Double {
        let steps = 256
        return (0..<steps).reduce(0) { acc, k in
            acc + FresnelPolarization.reflectance(zenith: asin(((Double(k) + 0.5) / Double(steps)).squareRoot()), refractiveIndex: n)
        } / Double(steps)
    }

    /// The transmittance τ with τ·(1 − R̄) + R̄·k = 1 (k = environment radiance / background radiance), clamped to
    /// [0.3, 1]: the glass's mean intensity then equals the background's.
    public static func camouflageTransmittance(refractiveIndex n: Double, environmentRatio k: Double) -> Double {
        let r = meanSilhouetteReflectance(refractiveIndex: n)
        return min(1, max(0.3, (1 - k * r) / (1 - r)))
    }
}

func normalized(_ v: SIMD3<Double>) -> SIMD3<Double> { v / (v * v).sum().squareRoot() }
func array(_ v: SIMD3<Double>) -> [Double] { [v.x, v.y, v.z] }

/// Row-major R = Rz(c)·Ry(b)·Rx(a).
func rotationMatrix(_ a: Double, _ b: Double, _ c: Double) -> [Double] {
    let (ca, sa, cb, sb, cc, sc) = (cos(a), sin(a), cos(b), sin(b), cos(c), sin(c))
    return [cc * cb, cc * sb * sa - sc * ca, cc * sb * ca + sc * sa,
            sc * cb, sc * sb * sa + cc * ca, sc * sb * ca - cc * sa,
            -sb, cb * sa, cb * ca]
}
