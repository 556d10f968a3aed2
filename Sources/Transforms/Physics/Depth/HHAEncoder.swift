import Foundation
import TensorCore

/// HHA encoding of a depth map (Gupta, Girshick, Arbeláez, Malik, ECCV 2014, "Learning Rich Features from RGB-D
/// Images for Object Detection and Segmentation"), following the released code (rcnn-depth `saveHHA.m`,
/// `processDepthImage.m`; BSD) step by step:
///
/// 1. Points P = back-projected depth (`PointCloud`), in centimetres for the channel formulas below.
/// 2. Normals N1 (window radius 3) and N2 (radius 10) by `SurfaceNormals`.
/// 3. Gravity g from N2 by `GravityEstimator` (start (0, 1, 0), 45° then 15°, 5 iterations each).
/// 4. Channels (Gupta's constants, cm and degrees):
///    - horizontal disparity `31000 / max(Z_cm, 100)` (= 310 / max(Z_m, 1));
///    - height above the lowest point `−g'·P_cm − yMin`, where g' = g (or (0, 1, 0) when g is within 0.1° of it, as
///      `getRMatrix` then returns the identity), yMin = min over pixels of `−g'·P_cm`, replaced by −130 when it is
///      above −90 (the floor is assumed 1.3 m below the camera when no point lies 0.9 m below it);
///    - angle `acos(clamp(N1·g, −1, 1))` in degrees, `+ 128 − 90`; an undefined normal gives 180° (MATLAB's
///      `min(1, max(-1, NaN))` is −1).
/// 5. 8 bits as MATLAB `uint8`: round half away from zero, saturate to [0, 255].
///
/// Differences from the released code, by design: pixel coordinates are 0-based (see `PinholeIntrinsics`); the input
/// is the raw depth with holes (Gupta feeds an inpainted depth and uses the raw one only to exclude missing pixels from
/// the normal fits), so invalid pixels get 0 in every channel and 0 in `validMask`, and yMin is taken over valid pixels.
public struct HHAEncoder: Sendable {
    public var intrinsics: PinholeIntrinsics
    /// Window radius (pixels) of the normals used for the angle channel (Gupta: 3).
    public var normalRadius: Int
    /// Window radius (pixels) of the normals used to estimate gravity (Gupta: 10).
    public var gravityNormalRadius: Int
    public var gravityEstimator: GravityEstimator

    public init(intrinsics: PinholeIntrinsics, normalRadius: Int = 3, gravityNormalRadius: Int = 10,
                gravityEstimator: GravityEstimator = GravityEstimator()) {
        self.intrinsics = intrinsics
        self.normalRadius = normalRadius
        self.gravityNormalRadius = gravityNormalRadius
        self.gravityEstimator = gravityEstimator
    }

    /// - Parameter depthMeters: `[H, W]` or `[1, H, W]`, metres; ≤ 0 or non-finite = missing.
    /// - Throws: `PhysicsTransformError` for a wrong shape, a radius < 1, or a map without valid pixels.
    public func encode(depthMeters: Tensor) throws -> HHAEncoding {
        guard normalRadius >= 1, gravityNormalRadius >= 1 else {
            throw PhysicsTransformError.parameter(field: "normal window radius", expected: "≥ 1 pixel",
                                                  got: Double(min(normalRadius, gravityNormalRadius)))
        }
        let d = try DepthMap(depthMeters)
        let h = d.height, w = d.width, plane = h * w
        guard d.z.contains(where: { $0 > 0 }) else {
            throw PhysicsTransformError.parameter(field: "depth (metres)", expected: "at least one pixel > 0", got: 0)
        }
        let k = intrinsics
        let n1 = SurfaceNormals.compute(d, k, radius: normalRadius)
        let n2 = gravityNormalRadius == normalRadius ? n1 : SurfaceNormals.compute(d, k, radius: gravityNormalRadius)
        let g = gravityEstimator.estimate(interleavedNormals: n2)
        let y0 = SIMD3<Double>(0, 1, 0)
        let tilt = acos(min(1, max(-1, (g * y0).sum()))) * 180 / .pi
        let gh = tilt > 0.1 ? g : y0

        var rawHeight = [Double](repeating: 0, count: plane)
        var yMin = Double.infinity
        for v in 0..<h {
            for u in 0..<w {
                let i = v * w + u, z = d.z[i] * 100
                guard z > 0 else { continue }
                let p = SIMD3((Double(u) - k.cx) * z / k.fx, (Double(v) - k.cy) * z / k.fy, z)
                rawHeight[i] = -(gh * p).sum()
                yMin = min(yMin, rawHeight[i])
            }
        }
        if yMin > -90 { yMin = -130 }

        var channels = [Float](repeating: 0, count: 3 * plane)
        var mask = [Float](repeating: 0, count: plane)
        for i in 0..<plane where d.z[i] > 0 {
            mask[i] = 1
            let zcm = d.z[i] * 100
            let dot = n1[3 * i] * g.x + n1[3 * i + 1] * g.y + n1[3 * i + 2] * g.z
            let angle = dot.isNaN ? 180 : acos(min(1, max(-1, dot))) * 180 / .pi
            channels[i] = Float(31000 / max(zcm, 100))
            channels[plane + i] = Float(rawHeight[i] - yMin)
            channels[2 * plane + i] = Float(angle + 128 - 90)
        }
        let unquantized = Tensor(shape: [3, h, w], values: channels)
        let hha = Tensor(shape: [3, h, w], values: channels.map(Self.matlabUInt8))
        return HHAEncoding(hha: hha, unquantized: unquantized, gravity: g, floorHeightCentimeters: yMin,
                           validMask: Tensor(shape: [h, w], values: mask))
    }

    /// MATLAB `uint8(x)`: round half away from zero, saturate to [0, 255], NaN → 0.
    @inlinable public static func matlabUInt8(_ x: Float) -> Float {
        guard !x.isNaN else { return 0 }
        return min(255, max(0, x.rounded(.toNearestOrAwayFromZero)))
    }
}

/// The result of `HHAEncoder.encode`.
public struct HHAEncoding: Sendable {
    /// `[3, H, W]`, values 0…255 (integers): horizontal disparity, height above ground, angle with gravity.
    public let hha: Tensor
    /// `[3, H, W]` before rounding and saturation: `31000/max(Z_cm, 100)`, height in cm, angle in degrees + 38.
    public let unquantized: Tensor
    /// Estimated gravity ("down") in the camera frame (x right, y down, z forward), unit length.
    public let gravity: SIMD3<Double>
    /// yMin: the height offset subtracted, in cm along −gravity from the camera (−130 when defaulted).
    public let floorHeightCentimeters: Double
    /// `[H, W]`: 1 where the depth was valid.
    public let validMask: Tensor

    /// The 8-bit HHA as a `ChannelImage` (intensity channels, unit "1" on a 0–255 scale) with the valid mask.
    public var channelImage: ChannelImage {
        ChannelImage(values: hha, channels: [
            ChannelDescriptor(name: "HHA disparity", unit: "1", kind: .intensity),
            ChannelDescriptor(name: "HHA height", unit: "1", kind: .intensity),
            ChannelDescriptor(name: "HHA angle", unit: "1", kind: .intensity),
        ], validMask: validMask)
    }
}
