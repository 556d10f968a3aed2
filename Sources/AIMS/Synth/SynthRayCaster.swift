import Foundation

/// Analytic ray intersection with the scene's ellipsoids and wall: exact hit distance and surface normal.
public struct SynthRayCaster: Sendable {
    /// What a ray hits first.
    public struct Hit: Sendable, Equatable {
        /// Ray parameter t (the point is origin + t·direction; with a z = 1 direction it is the z-depth, metres).
        public var t: Double
        public var point: SIMD3<Double>
        /// Unit outward normal at the hit.
        public var normal: SIMD3<Double>
        /// Index into `scene.objects`, or nil for the wall.
        public var object: Int?
    }

    struct Ellipsoid {
        var center: SIMD3<Double>
        var inverseRadii: SIMD3<Double>
        var r0: SIMD3<Double>, r1: SIMD3<Double>, r2: SIMD3<Double>  // columns of the rotation (local axes)
    }

    let ellipsoids: [Ellipsoid]
    let wallNormal: SIMD3<Double>
    let wallPoint: SIMD3<Double>

    public init(scene: SynthScene) {
        ellipsoids = scene.objects.map { o in
            let m = o.rotation
            return Ellipsoid(center: SIMD3(o.center[0], o.center[1], o.center[2]),
                             inverseRadii: SIMD3(1 / o.radii[0], 1 / o.radii[1], 1 / o.radii[2]),
                             r0: SIMD3(m[0], m[3], m[6]), r1: SIMD3(m[1], m[4], m[7]), r2: SIMD3(m[2], m[5], m[8]))
        }
        let n = scene.background.normal
        wallNormal = SIMD3(n[0], n[1], n[2])
        wallPoint = SIMD3(0, 0, scene.background.distance)
    }

    /// The nearest hit with t > `minimumT` along origin + t·direction, skipping `excluding` (an object index).
    public func cast(origin: SIMD3<Double>, direction d: SIMD3<Double>, minimumT: Double = 1e-9, excluding: Int? = nil) -> Hit? {
        var best: Hit?
        for (k, e) in ellipsoids.enumerated() where k != excluding {
            // Local unit-sphere frame: q = diag(1/r)·Rᵀ(p − c).
            let o = origin - e.center
            let ol = SIMD3((o * e.r0).sum(), (o * e.r1).sum(), (o * e.r2).sum()) * e.inverseRadii
            let dl = SIMD3((d * e.r0).sum(), (d * e.r1).sum(), (d * e.r2).sum()) * e.inverseRadii
            let a = (dl * dl).sum(), b = 2 * (ol * dl).sum(), c = (ol * ol).sum() - 1
            let disc = b * b - 4 * a * c
            guard disc >= 0 else { continue }
            let root = disc.squareRoot()
            var t = (-b - root) / (2 * a)
            if t <= minimumT { t = (-b + root) / (2 * a) }
            guard t > minimumT, t < (best?.t ?? .infinity) else { continue }
            let ql = ol + t * dl
            // Gradient of |q|² in the camera frame: R·diag(1/r)·q_local.
            let g = ql * e.inverseRadii
            let n = e.r0 * g.x + e.r1 * g.y + e.r2 * g.z
            best = Hit(t: t, point: origin + t * d, normal: n / (n * n).sum().squareRoot(), object: k)
        }
        let denom = (wallNormal * d).sum()
        if denom != 0 {
            let t = (wallNormal * (wallPoint - origin)).sum() / denom
            if t > minimumT, t < (best?.t ?? .infinity) {
                best = Hit(t: t, point: origin + t * d, normal: wallNormal, object: nil)
            }
        }
        return best
    }
}
