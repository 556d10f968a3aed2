import Foundation
import Transforms

/// The ground truth of one synthetic scene: what `SynthRenderer` draws, and what `scenes/<id>.json` stores.
/// Camera frame (OpenCV): x right, y down, z forward, metres; the camera sits at the origin looking along +z.
public struct SynthScene: Sendable, Equatable, Codable {
    /// Sample id used in every file name (e.g. `"0007"`).
    public var id: String
    public var camera: SynthCamera
    public var background: SynthBackground
    /// 1…N objects; `objects[k].label` is its instance id in the masks (1-based, 0 = background).
    public var objects: [SynthObject]
    public var light: SynthLight
    public var thermalCamera: SynthThermalCamera

    public init(id: String, camera: SynthCamera, background: SynthBackground, objects: [SynthObject], light: SynthLight,
                thermalCamera: SynthThermalCamera) {
        self.id = id
        self.camera = camera
        self.background = background
        self.objects = objects
        self.light = light
        self.thermalCamera = thermalCamera
    }
}

/// A pinhole camera. Pixel (u, v) (0-based, as `PinholeIntrinsics`) sees the ray through ((u − cx)/f, (v − cy)/f, 1).
public struct SynthCamera: Sendable, Equatable, Codable {
    /// Image size, pixels.
    public var width: Int, height: Int
    /// Focal length, pixels (square pixels).
    public var focalLength: Double
    /// Principal point, pixels.
    public var cx: Double, cy: Double

    public init(width: Int, height: Int, focalLength: Double, cx: Double, cy: Double) {
        (self.width, self.height, self.focalLength, self.cx, self.cy) = (width, height, focalLength, cx, cy)
    }

    /// The same intrinsics for the depth physics (HHA, point clouds).
    public var intrinsics: PinholeIntrinsics {
        get throws { try PinholeIntrinsics(fx: focalLength, fy: focalLength, cx: cx, cy: cy) }
    }

    /// Unnormalised ray direction (z = 1) through pixel (u, v).
    @inlinable public func ray(u: Int, v: Int) -> SIMD3<Double> {
        SIMD3((Double(u) - cx) / focalLength, (Double(v) - cy) / focalLength, 1)
    }
}

/// One low-frequency sinusoid of a texture: amplitude · sin(2π(kx·X + ky·Y) + phase), X, Y in metres.
public struct SynthWave: Sendable, Equatable, Codable {
    /// Spatial frequencies, cycles per metre.
    public var kx: Double, ky: Double
    /// Radians.
    public var phase: Double
    /// Relative amplitude (dimensionless).
    public var amplitude: Double

    public init(kx: Double, ky: Double, phase: Double, amplitude: Double) {
        (self.kx, self.ky, self.phase, self.amplitude) = (kx, ky, phase, amplitude)
    }
}

/// A diffuse wall behind the objects: the plane through (0, 0, distance) with unit normal `normal` (facing the camera,
/// normal.z < 0), textured by `1 + Σ waves` in albedo, NIR and temperature.
public struct SynthBackground: Sendable, Equatable, Codable {
    public var normal: [Double]
    /// Metres along the optical axis.
    public var distance: Double
    /// Base RGB albedo, 0…1.
    public var albedo: [Double]
    /// Base NIR reflectance, 0…1.
    public var nirReflectance: Double
    public var refractiveIndex: Double
    /// Base temperature, °C; the texture modulates it by `temperatureAmplitude` °C per unit of texture.
    public var temperatureCelsius: Double
    public var temperatureAmplitude: Double
    public var emissivity: Double
    /// Albedo texture; NIR uses the same waves with half the amplitude.
    public var waves: [SynthWave]

    public init(normal: [Double], distance: Double, albedo: [Double], nirReflectance: Double, refractiveIndex: Double,
                temperatureCelsius: Double, temperatureAmplitude: Double, emissivity: Double, waves: [SynthWave]) {
        self.normal = normal
        self.distance = distance
        self.albedo = albedo
        self.nirReflectance = nirReflectance
        self.refractiveIndex = refractiveIndex
        self.temperatureCelsius = temperatureCelsius
        self.temperatureAmplitude = temperatureAmplitude
        self.emissivity = emissivity
        self.waves = waves
    }

    /// Σ amplitude·sin(…) at world point (x, y), dimensionless.
    public func texture(x: Double, y: Double) -> Double {
        waves.reduce(0) { $0 + $1.amplitude * sin(2 * .pi * ($1.kx * x + $1.ky * y) + $1.phase) }
    }
}

/// What an object is made of.
public struct SynthMaterial: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Transparent dielectric: the scene behind it (attenuated by `transmittance`·(1 − R)) plus a Fresnel
        /// reflection R(θ, n) of the environment radiance, polarized with the specular DoLP.
        case glass
        /// Diffuse dielectric: Lambertian albedo, diffuse polarization.
        case matte
    }
    public var kind: Kind
    /// RGB albedo, 0…1 (matte).
    public var albedo: [Double]
    /// NIR reflectance, 0…1 (matte).
    public var nirReflectance: Double
    /// Visible transmittance of the body, 0…1 (glass).
    public var transmittance: Double
    /// NIR transmittance of the body, 0…1 (glass).
    public var nirTransmittance: Double
    /// Refractive index, 1.3…1.8.
    public var refractiveIndex: Double
    /// °C.
    public var temperatureCelsius: Double
    /// Long-wave IR emissivity, 0…1 (glass and matte are both opaque in the thermal band).
    public var emissivity: Double

    public init(kind: Kind, albedo: [Double], nirReflectance: Double, transmittance: Double, nirTransmittance: Double,
                refractiveIndex: Double, temperatureCelsius: Double, emissivity: Double) {
        self.kind = kind
        self.albedo = albedo
        self.nirReflectance = nirReflectance
        self.transmittance = transmittance
        self.nirTransmittance = nirTransmittance
        self.refractiveIndex = refractiveIndex
        self.temperatureCelsius = temperatureCelsius
        self.emissivity = emissivity
    }
}

/// An ellipsoid (a sphere when the three radii are equal): centre, semi-axes along the columns of `rotation`.
public struct SynthObject: Sendable, Equatable, Codable {
    /// Instance id in the masks, ≥ 1.
    public var label: Int
    /// Metres, camera frame.
    public var center: [Double]
    /// Semi-axes, metres.
    public var radii: [Double]
    /// Row-major 3×3 rotation, local → camera frame.
    public var rotation: [Double]
    public var material: SynthMaterial

    public init(label: Int, center: [Double], radii: [Double], rotation: [Double], material: SynthMaterial) {
        self.label = label
        self.center = center
        self.radii = radii
        self.rotation = rotation
        self.material = material
    }

    public var isSphere: Bool { radii[0] == radii[1] && radii[1] == radii[2] }
}

/// A distant light plus ambient light; Lambertian shading = ambient + irradiance·max(0, n·direction).
public struct SynthLight: Sendable, Equatable, Codable {
    /// Unit vector from the surface towards the light, camera frame.
    public var direction: [Double]
    /// Relative units (radiance of a white Lambertian surface facing the light, minus ambient).
    public var irradiance: Double
    public var ambient: Double
    /// Radiance of the surroundings mirrored by glass, per RGB channel and NIR (relative units).
    public var environment: [Double]
    public var nirEnvironment: Double

    public init(direction: [Double], irradiance: Double, ambient: Double, environment: [Double], nirEnvironment: Double) {
        self.direction = direction
        self.irradiance = irradiance
        self.ambient = ambient
        self.environment = environment
        self.nirEnvironment = nirEnvironment
    }
}

/// The radiometric thermal camera: FLIR Planck constants and the reflected apparent temperature.
public struct SynthThermalCamera: Sendable, Equatable, Codable {
    public var planck: PlanckConstants
    /// °C.
    public var reflectedTemperatureCelsius: Double

    public init(planck: PlanckConstants, reflectedTemperatureCelsius: Double) {
        self.planck = planck
        self.reflectedTemperatureCelsius = reflectedTemperatureCelsius
    }

    /// A FLIR A-series-like calibration (R1 21106.77, R2 0.012545258, B 1501, F 1, O −7340): 16-bit counts span about
    /// −40…+165 °C.
    public static let standardPlanck = FLIRFFFWriter.storable(PlanckConstants(r1: 21106.77, r2: 0.012545258, b: 1501, f: 1, o: -7340))

    /// Raw counts of a surface at `celsius` with `emissivity`, reflecting the surroundings:
    /// counts = ε·raw(T) + (1 − ε)·raw(T_refl), raw(T) = R1/(R2·(exp(B/T_K) − F)) − O.
    public func counts(celsius: Double, emissivity: Double) -> Double {
        emissivity * planck.rawCounts(blackbodyKelvin: celsius + 273.15)
            + (1 - emissivity) * planck.rawCounts(blackbodyKelvin: reflectedTemperatureCelsius + 273.15)
    }
}
