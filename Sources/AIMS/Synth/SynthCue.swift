import Foundation

/// The one physical cue that tells a scene's objects from the wall, for benchmarks that ask whether a modality's
/// channels carry what RGB does not (`SynthOptions.cue`; nil keeps the mixed default scenes of `aims synth`).
///
/// Every cue but `polarization` camouflages the objects in RGB: the wall is evenly painted (no texture), each object
/// is matte with the wall's albedo, and the light is all ambient, as under an overcast sky (the direct irradiance is
/// added to the ambient term), so there is no shading gradient and no shadow: in RGB an object differs from the
/// wall only by the sensor's noise. (A textured wall left the objects' outlines in RGB, where the average texture
/// behind an object met the texture around it, and a fine-tuned model learnt them from RGB alone: the noise control
/// of `aims benchmark` kept the gain.) The NIR reflectance, temperature and emissivity are matched the same way
/// unless they are the cue. Under `polarization` every object is glass, and an object whose bounding
/// disc overlaps an earlier one's is left out (the renderer follows a ray through one glass body at a time, not
/// through nested ones).
public enum SynthCue: String, Sendable, Codable, CaseIterable {
    /// Every object is camouflaged glass: its absorption cancels the mirrored light on average, so it is faint in
    /// intensity, while its Fresnel reflection is strongly polarized (DoLP, AoLP).
    case polarization
    /// Objects in front of the wall (1.4–2.4 m against 3–4 m), RGB-, NIR- and thermally camouflaged: only depth
    /// (and HHA's disparity, height and normal angle) separates them.
    case depth
    /// RGB-camouflaged objects whose NIR reflectance differs from the wall's by 0.25–0.45 (materials alike in the
    /// visible band, unlike in NIR, e.g. dyes vs chlorophyll); thermally camouflaged.
    case nir
    /// RGB- and NIR-camouflaged objects 8–25 °C warmer or colder than the wall, emissivity 0.85–0.98.
    case thermal

    /// One sentence for reports: what separates the objects, in which channels.
    public var explanation: String {
        switch self {
        case .polarization: return "transparent glass, faint in intensity (absorption cancels the mirrored light) but strongly polarized by Fresnel reflection: DoLP/AoLP separate it"
        case .depth: return "objects with the wall's colour, NIR reflectance and temperature, 0.6–2.6 m in front of it: only depth (and HHA) separates them"
        case .nir: return "objects with the wall's colour but an NIR reflectance 0.25–0.45 away from the wall's: only NIR separates them"
        case .thermal: return "objects with the wall's colour and NIR reflectance, 8–25 °C warmer or colder: only the thermal channel separates them"
        }
    }
}

extension SynthSceneSampler {
    /// `objects` without those whose bounding disc in the image (centre projected, radius f·max radius / z)
    /// overlaps an earlier kept one's, relabelled 1…N in order.
    static func separated(_ objects: [SynthObject], camera: SynthCamera) -> [SynthObject] {
        var kept: [SynthObject] = []
        func disc(_ o: SynthObject) -> (u: Double, v: Double, r: Double) {
            let z = o.center[2]
            return (camera.focalLength * o.center[0] / z, camera.focalLength * o.center[1] / z, camera.focalLength * o.radii.max()! / z)
        }
        for o in objects {
            let a = disc(o)
            if kept.allSatisfy({ let b = disc($0); return ((a.u - b.u) * (a.u - b.u) + (a.v - b.v) * (a.v - b.v)).squareRoot() > a.r + b.r }) {
                var o = o
                o.label = kept.count + 1
                kept.append(o)
            }
        }
        return kept
    }

    /// `scene` rewritten so that only `cue` separates its objects (see `SynthCue`), from its own random stream
    /// (the default scene's draws are untouched).
    func applying(_ cue: SynthCue, to scene: SynthScene, index: Int) -> SynthScene {
        var g = SynthRandom(seed: seed, stream: 0x4355_4500_0000_0000 &+ UInt64(index))
        var s = scene
        if cue == .polarization {
            s.objects = Self.separated(s.objects, camera: s.camera)
        } else {
            s.background.waves = s.background.waves.map { var w = $0; w.amplitude = 0; return w }
        }
        let bg = s.background
        let n = SIMD3(bg.normal[0], bg.normal[1], bg.normal[2])
        let direction = SIMD3(s.light.direction[0], s.light.direction[1], s.light.direction[2])
        if cue != .polarization {
            s.light.ambient += s.light.irradiance * 0.5
            s.light.irradiance = 0
        }
        let wallShading = s.light.ambient + s.light.irradiance * max(0, (n * direction).sum())
        s.light.environment = bg.albedo.map { $0 * wallShading * options.environmentRatio }
        s.light.nirEnvironment = bg.nirReflectance * wallShading * options.environmentRatio
        for k in s.objects.indices {
            var m = s.objects[k].material
            if cue == .polarization {
                m = SynthMaterial(kind: .glass, albedo: [1, 1, 1], nirReflectance: 0, transmittance: 0, nirTransmittance: g.uniform(0.3, 0.7),
                                  refractiveIndex: g.uniform(1.45, 1.8), temperatureCelsius: bg.temperatureCelsius, emissivity: bg.emissivity)
                m.transmittance = Self.camouflageTransmittance(refractiveIndex: m.refractiveIndex, environmentRatio: options.environmentRatio)
            } else {
                // Under all-ambient light a matte object's radiance is the wall's when its reflectances are.
                var nir = bg.nirReflectance
                if cue == .nir {
                    let delta = g.uniform(0.25, 0.45)
                    nir = nir + delta <= 0.98 ? nir + delta : max(0.02, nir - delta)
                }
                var celsius = bg.temperatureCelsius, emissivity = bg.emissivity
                if cue == .thermal {
                    celsius += (g.unit() < 0.5 ? -1 : 1) * g.uniform(8, 25)
                    emissivity = g.uniform(0.85, 0.98)
                }
                m = SynthMaterial(kind: .matte, albedo: bg.albedo, nirReflectance: nir, transmittance: 0, nirTransmittance: 0,
                                  refractiveIndex: bg.refractiveIndex, temperatureCelsius: celsius, emissivity: emissivity)
            }
            s.objects[k].material = m
        }
        return s
    }
}
