import Foundation

/// Noise-free radiometric images of a scene, in float, before quantisation. Planes are row-major `H × W`.
public struct SynthFrame: Sendable {
    public let width: Int, height: Int
    /// Linear Stokes vectors per colour: `stokes[c][k]` is S_k of colour c (R, G, B), relative radiance
    /// (1 = a white Lambertian surface under unit shading; stored 8-bit RGB = 255·S0).
    public var stokes: [[[Float]]]
    /// NIR radiance, relative (stored 8-bit = 255·value).
    public var nir: [Float]
    /// FLIR raw counts (not yet rounded).
    public var thermalCounts: [Float]
    /// z-depth of the first surface, metres (the ray hit's z coordinate).
    public var depth: [Float]
    /// Euclidean distance camera → first surface, metres.
    public var range: [Float]
    /// Instance id of the first surface (0 = wall).
    public var label: [UInt8]
}

/// Renders `SynthScene`s by analytic ray casting, one ray per pixel through the pixel's centre.
///
/// Per surface kind (shading s = ambient + irradiance·max(0, n·light), shadows from matte objects only):
/// - wall and matte objects: S0_c = albedo_c·s, polarized with the diffuse DoLP(θ, n) at AoLP = azimuth;
/// - glass: transmittance·(1 − R(θ, n))·(Stokes of what lies behind, the ray continued straight: refraction is
///   ignored) + R(θ, n)·environment_c polarized with the specular DoLP(θ, n) at AoLP = azimuth + 90°;
/// - NIR: the same with NIR reflectance / transmittance / environment (the wall texture at half amplitude);
/// - thermal: every surface is opaque: counts = ε·raw(T) + (1 − ε)·raw(T_refl).
/// θ and the azimuth are as in `viewAngles(normal:direction:)`.
public struct SynthRenderer: Sendable {
    public let scene: SynthScene
    let caster: SynthRayCaster
    let lightDirection: SIMD3<Double>

    public init(scene: SynthScene) {
        self.scene = scene
        caster = SynthRayCaster(scene: scene)
        let l = scene.light.direction
        lightDirection = SIMD3(l[0], l[1], l[2])
    }

    struct Radiance {
        var rgb: [LinearStokesVector]
        var nir: Double
    }

    public func render() -> SynthFrame {
        let cam = scene.camera
        let w = cam.width, h = cam.height, n = w * h
        var stokes = [[[Float]]](repeating: [[Float]](repeating: [Float](repeating: 0, count: n), count: 3), count: 3)
        var nir = [Float](repeating: 0, count: n), counts = nir, depth = nir, range = nir
        var label = [UInt8](repeating: 0, count: n)
        for v in 0..<h {
            for u in 0..<w {
                let i = v * w + u
                let d = cam.ray(u: u, v: v)
                guard let hit = caster.cast(origin: .zero, direction: d) else { continue }
                depth[i] = Float(hit.point.z)
                range[i] = Float((hit.point * hit.point).sum().squareRoot())
                label[i] = hit.object.map { UInt8(scene.objects[$0].label) } ?? 0
                let r = shade(hit, direction: d, bounces: 3)
                for c in 0..<3 {
                    stokes[c][0][i] = Float(r.rgb[c].s0)
                    stokes[c][1][i] = Float(r.rgb[c].s1)
                    stokes[c][2][i] = Float(r.rgb[c].s2)
                }
                nir[i] = Float(r.nir)
                counts[i] = Float(thermalCounts(hit))
            }
        }
        return SynthFrame(width: w, height: h, stokes: stokes, nir: nir, thermalCounts: counts, depth: depth, range: range,
                          label: label)
    }

    /// Zenith θ (radians) and azimuth φ (radians, image frame) of `normal` seen along `direction`: θ = angle between
    /// the normal and the direction to the camera; φ = atan2(y, x) of the normal's component perpendicular to the ray
    /// (its projection onto the image plane along the ray; atan2(n_y, n_x) on the optical axis).
    public static func viewAngles(normal: SIMD3<Double>, direction d: SIMD3<Double>) -> (zenith: Double, azimuth: Double) {
        let view = -d / (d * d).sum().squareRoot()
        let c = (normal * view).sum()
        let p = normal - c * view
        return (acos(min(1, max(-1, c))), atan2(p.y, p.x))
    }

    /// Lambertian shading at a surface point: ambient + irradiance·max(0, n·L), without the direct term in the shadow
    /// of a matte object.
    public func shading(point: SIMD3<Double>, normal: SIMD3<Double>, object: Int?) -> Double {
        let cosine = (normal * lightDirection).sum()
        var s = scene.light.ambient
        guard cosine > 0 else { return s }
        if let blocker = caster.cast(origin: point, direction: lightDirection, minimumT: 1e-6, excluding: object),
           let k = blocker.object, scene.objects[k].material.kind == .matte {
            return s
        }
        s += scene.light.irradiance * cosine
        return s
    }

    func shade(_ hit: SynthRayCaster.Hit, direction d: SIMD3<Double>, bounces: Int) -> Radiance {
        let (theta, phi) = Self.viewAngles(normal: hit.normal, direction: d)
        guard let k = hit.object else {
            let bg = scene.background
            let tex = bg.texture(x: hit.point.x, y: hit.point.y)
            let s = shading(point: hit.point, normal: hit.normal, object: nil)
            let dolp = FresnelPolarization.diffuseDoLP(zenith: theta, refractiveIndex: bg.refractiveIndex)
            let aolp = FresnelPolarization.diffuseAoLP(azimuth: phi)
            let rgb = (0..<3).map { c in
                LinearStokesVector(intensity: bg.albedo[c] * max(0, 1 + tex) * s, dolp: dolp, aolp: aolp)
            }
            return Radiance(rgb: rgb, nir: bg.nirReflectance * max(0, 1 + tex / 2) * s)
        }
        let m = scene.objects[k].material
        switch m.kind {
        case .matte:
            let s = shading(point: hit.point, normal: hit.normal, object: k)
            let dolp = FresnelPolarization.diffuseDoLP(zenith: theta, refractiveIndex: m.refractiveIndex)
            let aolp = FresnelPolarization.diffuseAoLP(azimuth: phi)
            return Radiance(rgb: (0..<3).map { LinearStokesVector(intensity: m.albedo[$0] * s, dolp: dolp, aolp: aolp) },
                            nir: m.nirReflectance * s)
        case .glass:
            let r = FresnelPolarization.reflectance(zenith: theta, refractiveIndex: m.refractiveIndex)
            let dolp = FresnelPolarization.specularDoLP(zenith: theta, refractiveIndex: m.refractiveIndex)
            let aolp = FresnelPolarization.specularAoLP(azimuth: phi)
            var behind = Radiance(rgb: [LinearStokesVector](repeating: LinearStokesVector(s0: 0, s1: 0, s2: 0), count: 3), nir: 0)
            if bounces > 0, let next = caster.cast(origin: hit.point, direction: d, minimumT: 1e-6, excluding: k) {
                behind = shade(next, direction: d, bounces: bounces - 1)
            }
            let env = scene.light.environment
            let rgb = (0..<3).map { c in
                behind.rgb[c] * (m.transmittance * (1 - r)) + LinearStokesVector(intensity: r * env[c], dolp: dolp, aolp: aolp)
            }
            return Radiance(rgb: rgb, nir: behind.nir * m.nirTransmittance * (1 - r) + r * scene.light.nirEnvironment)
        }
    }

    func thermalCounts(_ hit: SynthRayCaster.Hit) -> Double {
        let t = temperature(hit)
        return scene.thermalCamera.counts(celsius: t.celsius, emissivity: t.emissivity)
    }

    /// True temperature (°C) and emissivity of the surface hit.
    public func temperature(_ hit: SynthRayCaster.Hit) -> (celsius: Double, emissivity: Double) {
        guard let k = hit.object else {
            let bg = scene.background
            return (bg.temperatureCelsius + bg.temperatureAmplitude * bg.texture(x: hit.point.x, y: hit.point.y), bg.emissivity)
        }
        let m = scene.objects[k].material
        return (m.temperatureCelsius, m.emissivity)
    }

    /// The first hit of pixel (u, v), for ground-truth queries.
    public func hit(u: Int, v: Int) -> SynthRayCaster.Hit? { caster.cast(origin: .zero, direction: scene.camera.ray(u: u, v: v)) }
}
