import Foundation
import TensorCore
import XCTest
@testable import Transforms

/// HHA checked against geometry alone, with no implementation as truth: depth maps are ray-cast here from scenes
/// of known pose (a camera above a horizontal floor, pitched down and rolled; a ramp of known slope; a box), and the
/// expected channels follow from the encoding's definition (`HHAEncoder`):
/// - disparity `310 / max(Z, 1 m)` (Z = depth along the optical axis, metres);
/// - height above the lowest point, in cm: with the floor in view, the floor is that point, so a point's height
///   channel is its height above the floor (floor 0, a 0.5 m box top 50);
/// - angle between the surface normal and gravity, in degrees, + 38: horizontal surfaces 38, vertical ones 128,
///   a ramp of slope φ, φ + 38.
///
/// World frame: X right, Y up, Z forward (horizontal); the camera sits at (0, H, 0). Camera frame: x right,
/// y down, z forward (`PinholeIntrinsics`).
final class HHAGeometryTests: XCTestCase {
    /// A camera `height` metres above the floor, pitched down by `pitch` then rolled by `roll` (degrees).
    struct Rig {
        let k: PinholeIntrinsics
        let height: Double
        /// The camera's x, y, z axes in world coordinates.
        let x, y, z: SIMD3<Double>
        let width, rows: Int

        /// `scale` multiplies the image size (64 × 48) and the focal length (60 px): the same view, finer pixels.
        init(height: Double, pitch: Double, roll: Double, scale: Int = 1) throws {
            width = 64 * scale; rows = 48 * scale
            let f = 60.0 * Double(scale)
            k = try PinholeIntrinsics(fx: f, fy: f, cx: Double(width - 1) / 2, cy: Double(rows - 1) / 2)
            self.height = height
            let a = pitch * .pi / 180, r = roll * .pi / 180
            // Pitch only: x = (1, 0, 0), z = (0, −sin a, cos a), y = z × x... = (0, −cos a, −sin a) (down-ish).
            let x0 = SIMD3<Double>(1, 0, 0), y0 = SIMD3<Double>(0, -cos(a), -sin(a))
            z = SIMD3<Double>(0, -sin(a), cos(a))
            x = cos(r) * x0 + sin(r) * y0
            y = -sin(r) * x0 + cos(r) * y0
        }

        /// "Down", world (0, −1, 0), in camera coordinates: (down·x, down·y, down·z).
        var gravity: SIMD3<Double> { SIMD3(-x.y, -y.y, -z.y) }
        var origin: SIMD3<Double> { SIMD3(0, height, 0) }

        /// The world direction of pixel (u, v)'s ray, scaled so that its camera-z component is 1: a hit at
        /// `origin + t · ray` has depth Z = t.
        func ray(_ u: Int, _ v: Int) -> SIMD3<Double> {
            x * ((Double(u) - k.cx) / k.fx) + y * ((Double(v) - k.cy) / k.fy) + z
        }
    }

    /// A surface hit: camera depth (m), world point, and which surface.
    struct Hit { let t: Double; let point: SIMD3<Double>; let surface: Int }

    /// Ray-casts `surfaces` (each returns the ray parameter of its hit, or nil) and keeps the nearest; a ray that
    /// hits nothing gets depth 0 (missing) and surface −1.
    static func render(_ rig: Rig, _ surfaces: [(SIMD3<Double>, SIMD3<Double>) -> Double?]) -> (depth: Tensor, hits: [Hit]) {
        var hits: [Hit] = []
        for v in 0..<rig.rows {
            for u in 0..<rig.width {
                let d = rig.ray(u, v)
                var best: Hit?
                for (s, f) in surfaces.enumerated() {
                    if let t = f(rig.origin, d), t > 0, t < (best?.t ?? .infinity) {
                        best = Hit(t: t, point: rig.origin + t * d, surface: s)
                    }
                }
                hits.append(best ?? Hit(t: 0, point: rig.origin, surface: -1))
            }
        }
        return (Tensor(shape: [rig.rows, rig.width], values: hits.map { Float($0.t) }), hits)
    }

    static func floor(_ o: SIMD3<Double>, _ d: SIMD3<Double>) -> Double? { d.y < 0 ? -o.y / d.y : nil }

    /// Pixels whose whole (2r+1)² window (r = 3, the angle channel's normals) sees the same plane, as told by
    /// `plane` (default: the surface index).
    static func interior(_ rig: Rig, _ hits: [Hit], radius r: Int = 3, plane: (Hit) -> Int = { $0.surface }) -> [Bool] {
        let id = hits.map(plane)
        return (0..<hits.count).map { i in
            let v = i / rig.width, u = i % rig.width
            guard v >= r, v < rig.rows - r, u >= r, u < rig.width - r else { return false }
            for dv in -r...r { for du in -r...r where id[(v + dv) * rig.width + u + du] != id[i] { return false } }
            return true
        }
    }

    static func degrees(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double {
        acos(min(1, max(-1, (a * b).sum() / ((a * a).sum() * (b * b).sum()).squareRoot()))) * 180 / .pi
    }

    /// A floor and, from Z = 2.5 m on, a ramp rising at φ = 30°, seen from 1.5 m, pitched 25°, rolled 7°. Gravity
    /// is given (no estimation stages), so every channel follows from the geometry:
    /// floor height 0 and angle 0° → 38; ramp height (Z − 2.5)·tan 30° · 100 cm and angle 30° → 68 (its normal,
    /// oriented away from the camera, is (0, −cos φ, sin φ), at φ from down (0, −1, 0)).
    func testRampOfKnownSlopeWithKnownGravity() throws {
        let rig = try Rig(height: 1.5, pitch: 25, roll: 7)
        let phi = 30.0 * .pi / 180, hinge = 2.5
        // Ramp plane through the hinge line (Y = 0, Z = hinge), upward normal m = (0, cos φ, −sin φ): m·W = −sin φ · hinge.
        let m = SIMD3<Double>(0, cos(phi), -sin(phi))
        let ramp: (SIMD3<Double>, SIMD3<Double>) -> Double? = { o, d in
            let den = (m * d).sum()
            guard den != 0 else { return nil }
            let t = (-sin(phi) * hinge - (m * o).sum()) / den
            return (o + t * d).z >= hinge ? t : nil
        }
        let (depth, hits) = Self.render(rig, [Self.floor, ramp])
        XCTAssertFalse(hits.contains { $0.surface < 0 }, "set-up: every ray meets the scene")
        XCTAssert(hits.contains { $0.surface == 0 } && hits.contains { $0.surface == 1 }, "both surfaces in view")
        let g = rig.gravity
        let e = try HHAEncoder(intrinsics: rig.k, gravityEstimator: GravityEstimator(initial: g, stages: [])).encode(depthMeters: depth)
        XCTAssertLessThan(Self.degrees(e.gravity, g), 1e-9)
        XCTAssertEqual(e.floorHeightCentimeters, -150, accuracy: 1e-3, "the floor, 1.5 m below the camera, is the lowest point")
        let inside = Self.interior(rig, hits)
        var worstHeight = 0.0, worstAngle = 0.0, checkedRamp = 0
        for (i, h) in hits.enumerated() {
            let v = i / rig.width, u = i % rig.width
            let expectedHeight = h.surface == 0 ? 0 : (h.point.z - hinge) * tan(phi) * 100
            XCTAssertEqual(h.point.y * 100, expectedHeight, accuracy: 1e-9, "the ray-cast point lies on its surface")
            XCTAssertEqual(Double(e.unquantized[1, v, u]), expectedHeight, accuracy: 1e-3, "height at (\(v), \(u))")
            XCTAssertEqual(Double(e.unquantized[0, v, u]), 310 / max(h.t, 1), accuracy: 1e-4 * 310 / max(h.t, 1), "disparity")
            worstHeight = max(worstHeight, abs(Double(e.unquantized[1, v, u]) - expectedHeight))
            guard inside[i] else { continue }
            let expectedAngle = h.surface == 0 ? 38 : 30 + 38.0
            XCTAssertEqual(Double(e.unquantized[2, v, u]), expectedAngle, accuracy: 0.01, "angle at (\(v), \(u))")
            worstAngle = max(worstAngle, abs(Double(e.unquantized[2, v, u]) - expectedAngle))
            if h.surface == 1 { checkedRamp += 1 }
        }
        XCTAssertGreaterThan(checkedRamp, 100, "enough ramp pixels with a window inside the ramp")
        print("ramp, known gravity: worst height error \(worstHeight) cm, worst angle error \(worstAngle)°")
    }

    /// A single plane fills the view, sloping sideways at φ = 20° (upward normal m = (sin φ, cos φ, 0)), seen from
    /// 1.5 m, pitched 35°, rolled 7°. Every normal is the plane's, −m oriented away from the camera, which lies
    /// within 45° of the start (0, 1, 0) in the camera frame, so the estimator must return −m as "down" (20° from
    /// true gravity). Then every angle is 0° → 38.
    func testEstimatorTakesASinglePlanesNormalAsGravity() throws {
        let rig = try Rig(height: 1.5, pitch: 35, roll: 7)
        let phi = 20.0 * .pi / 180
        let m = SIMD3<Double>(sin(phi), cos(phi), 0)  // through the floor point below the camera
        let (depth, hits) = Self.render(rig, [{ o, d in
            let den = (m * d).sum()
            return den == 0 ? nil : -(m * o).sum() / den
        }])
        XCTAssertFalse(hits.contains { $0.surface < 0 }, "set-up: every ray meets the plane")
        let away = -m
        let expected = SIMD3((away * rig.x).sum(), (away * rig.y).sum(), (away * rig.z).sum())
        XCTAssertLessThan(Self.degrees(expected, SIMD3(0, 1, 0)), 45, "set-up: inside the first stage's cone")
        let e = try HHAEncoder(intrinsics: rig.k).encode(depthMeters: depth)
        XCTAssertLessThan(Self.degrees(e.gravity, expected), 1e-4, "gravity \(e.gravity) vs plane normal \(expected)")
        XCTAssertEqual(Self.degrees(e.gravity, rig.gravity), 20, accuracy: 1e-4)
        for v in stride(from: 3, to: rig.rows - 3, by: 5) { for u in stride(from: 3, to: rig.width - 3, by: 5) {
            XCTAssertEqual(e.unquantized[2, v, u], 38, accuracy: 0.01)
        } }
    }

    /// A 0.5 m box, 0.8 × 0.8 m, on the floor 2.2–3.0 m ahead, and a back wall at 5 m; camera 1.5 m up, pitched
    /// 25°, rolled 7°, 128 × 96 pixels. Expected: floor height 0, box top 50 cm, wall and box sides at their height Y·100; angles
    /// floor and top 0° → 38, box sides and wall 90° → 128.
    /// (1) with the true gravity given: heights within 1e-3 cm, angles within 0.01° (Float32 depth);
    /// (2) with gravity estimated (Gupta's two stages): the estimate lies within 0.5° of the truth (only the
    /// radius-10 windows straddling depth edges mislead it; at 64 × 48 they cover enough of the image to tilt it
    /// by 1.5°, hence the finer image), and each channel is off by at most what that tilt ε explains — angles
    /// by ε, heights by |P|·sin ε for the point plus as much again for the floor's lowest point.
    func testBoxOnFloor() throws {
        let rig = try Rig(height: 1.5, pitch: 25, roll: 7, scale: 2)
        let lo = SIMD3<Double>(-0.4, 0, 2.2), hi = SIMD3<Double>(0.4, 0.5, 3.0)
        let box: (SIMD3<Double>, SIMD3<Double>) -> Double? = { o, d in
            var t0 = -Double.infinity, t1 = Double.infinity
            for a in 0..<3 {
                if d[a] == 0 { if o[a] < lo[a] || o[a] > hi[a] { return nil }; continue }
                let ta = (lo[a] - o[a]) / d[a], tb = (hi[a] - o[a]) / d[a]
                t0 = max(t0, min(ta, tb)); t1 = min(t1, max(ta, tb))
            }
            return t0 <= t1 && t0 > 0 ? t0 : nil
        }
        let wall: (SIMD3<Double>, SIMD3<Double>) -> Double? = { o, d in d.z > 0 ? (5 - o.z) / d.z : nil }
        let (depth, hits) = Self.render(rig, [Self.floor, box, wall])
        XCTAssertFalse(hits.contains { $0.surface < 0 }, "set-up: every ray meets the scene")
        // Which face of the box: the top (Y = 0.5) or a side (X = ±0.4, Z = 2.2 or 3.0).
        func horizontal(_ h: Hit) -> Bool { h.surface == 0 || (h.surface == 1 && abs(h.point.y - 0.5) < 1e-9) }
        func face(_ h: Hit) -> Int {
            guard h.surface == 1 else { return h.surface }
            if horizontal(h) { return 10 }
            if abs(h.point.x - lo.x) < 1e-9 { return 11 }
            if abs(h.point.x - hi.x) < 1e-9 { return 12 }
            return abs(h.point.z - lo.z) < 1e-9 ? 13 : 14
        }
        let inside = Self.interior(rig, hits, plane: face)
        let top = hits.indices.filter { inside[$0] && hits[$0].surface == 1 && horizontal(hits[$0]) }
        let sides = hits.indices.filter { inside[$0] && hits[$0].surface == 1 && !horizontal(hits[$0]) }
        XCTAssertGreaterThan(top.count, 10, "box top pixels with a full window"); XCTAssertGreaterThan(sides.count, 10)

        func check(_ e: HHAEncoding, heightTolerance: (Hit) -> Double, angleTolerance: Double) {
            for (i, h) in hits.enumerated() {
                let v = i / rig.width, u = i % rig.width
                XCTAssertEqual(Double(e.unquantized[1, v, u]), h.point.y * 100, accuracy: heightTolerance(h), "height at (\(v), \(u))")
                guard inside[i] else { continue }
                XCTAssertEqual(Double(e.unquantized[2, v, u]), horizontal(h) ? 38 : 128, accuracy: angleTolerance, "angle at (\(v), \(u))")
            }
            for i in top { XCTAssertEqual(Double(e.hha[1, i / rig.width, i % rig.width]), 50, accuracy: heightTolerance(hits[i]) + 0.5, "8-bit box top") }
        }

        let known = try HHAEncoder(intrinsics: rig.k, gravityEstimator: GravityEstimator(initial: rig.gravity, stages: []))
            .encode(depthMeters: depth)
        XCTAssertEqual(known.floorHeightCentimeters, -150, accuracy: 1e-3)
        check(known, heightTolerance: { _ in 1e-3 }, angleTolerance: 0.01)

        let estimated = try HHAEncoder(intrinsics: rig.k).encode(depthMeters: depth)
        let eps = Self.degrees(estimated.gravity, rig.gravity)
        XCTAssertLessThan(eps, 0.5, "estimated gravity \(estimated.gravity) vs \(rig.gravity)")
        let sinEps = sin(eps * .pi / 180)
        let farthest = hits.map { ($0.point - rig.origin) }.map { ($0 * $0).sum().squareRoot() }.max()! * 100
        check(estimated, heightTolerance: { h in
            let p = h.point - rig.origin
            return ((p * p).sum().squareRoot() * 100 + farthest) * sinEps + 1e-3
        }, angleTolerance: eps + 0.01)
        print("box on floor: estimated gravity \(eps)° from the truth")
    }
}
