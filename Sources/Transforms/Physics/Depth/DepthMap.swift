import TensorCore

/// A metric depth map: Z (distance along the optical axis) per pixel, in metres, row-major `H × W`.
/// A pixel is valid when its depth is finite and > 0 (0 is the usual "no data" value of depth sensors).
struct DepthMap {
    let height: Int
    let width: Int
    let z: [Double]

    init(_ depthMeters: Tensor) throws {
        let s = depthMeters.shape
        guard s.count == 2 || (s.count == 3 && s[0] == 1), s[s.count - 1] >= 1, s[s.count - 2] >= 1 else {
            throw PhysicsTransformError.shape(field: "depth (metres)", expected: "[H, W] or [1, H, W]", got: s)
        }
        height = s[s.count - 2]
        width = s[s.count - 1]
        z = depthMeters.withUnsafeBufferPointer { $0.map { v in v.isFinite && v > 0 ? Double(v) : 0 } }
    }

    @inline(__always) func isValid(_ i: Int) -> Bool { z[i] > 0 }
}
