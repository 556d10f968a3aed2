import TensorCore

/// Back-projection of depth maps through a pinhole camera.
public enum PointCloud {
    /// Camera-frame points (x right, y down, z forward), metres.
    /// - Parameters:
    ///   - depthMeters: `[H, W]` or `[1, H, W]` depth along the optical axis, metres; ≤ 0 or non-finite = invalid.
    ///   - intrinsics: pinhole intrinsics (0-based pixel centres).
    /// - Returns: `[3, H, W]` (X, Y, Z) in metres; invalid pixels are (0, 0, 0).
    public static func points(depthMeters: Tensor, intrinsics k: PinholeIntrinsics) throws -> Tensor {
        let d = try DepthMap(depthMeters)
        let h = d.height, w = d.width, n = h * w
        return Tensor(shape: [3, h, w]) { out in
            for v in 0..<h {
                for u in 0..<w {
                    let i = v * w + u, z = d.z[i]
                    out[i] = Float((Double(u) - k.cx) * z / k.fx)
                    out[n + i] = Float((Double(v) - k.cy) * z / k.fy)
                    out[2 * n + i] = Float(z)
                }
            }
        }
    }
}
