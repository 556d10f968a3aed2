import TensorCore

/// Surface normals from a depth map by a least-squares plane fit over a square window, as in Gupta et al.'s
/// `computeNormalsSquareSupport` (rcnn-depth, BSD): with x = X/Z, y = Y/Z, each valid pixel of the
/// `(2r+1) × (2r+1)` window (truncated at the image border) contributes one equation
/// `n · (x, y, 1) = 1/Z` of the plane `n · P = 1`; n = (AᵀA)⁻¹Aᵀb is normalised and oriented so that
/// `n · P ≥ 0` for the centre point P (pointing away from the camera; first `n_z ≥ 0`, which decides ties).
public enum SurfaceNormals {
    /// - Parameters:
    ///   - depthMeters: `[H, W]` or `[1, H, W]`, metres; ≤ 0 or non-finite = missing (excluded from every window).
    ///   - radius: window radius r in pixels (window side 2r + 1); Gupta uses 3 for features, 10 for gravity.
    /// - Returns: `[3, H, W]` unit normals in the camera frame; NaN where the window holds fewer than three valid
    ///   points or they all lie on one image line (smaller principal variance of their pixel positions < 0.05 px²;
    ///   Gupta's code has no such guard and returns rounding noise there). A missing centre pixel still gets the normal of its window (as in Gupta's code,
    ///   where the centre's point is taken from the filled depth); with raw depth its orientation uses (0, 0, 1).
    public static func normals(depthMeters: Tensor, intrinsics: PinholeIntrinsics, radius: Int) throws -> Tensor {
        guard radius >= 1 else { throw PhysicsTransformError.parameter(field: "normal window radius", expected: "≥ 1 pixel", got: Double(radius)) }
        let d = try DepthMap(depthMeters)
        let n = compute(d, intrinsics, radius: radius)
        let plane = d.height * d.width
        return Tensor(shape: [3, d.height, d.width]) { out in
            for i in 0..<plane { for c in 0..<3 { out[c * plane + i] = Float(n[3 * i + c]) } }
        }
    }

    /// Smallest accepted variance (pixels²) of a window's valid pixel positions along their least-spread direction.
    /// Two full rows of a window give 0.25; a single row gives 0.
    static let minimumPixelVariance = 0.05

    /// Interleaved (nx, ny, nz) per pixel in Float64.
    static func compute(_ d: DepthMap, _ k: PinholeIntrinsics, radius r: Int) -> [Double] {
        let h = d.height, w = d.width, plane = h * w
        // Per-pixel terms: xx, xy, x, yy, y, 1 (AᵀA) and x/Z, y/Z, 1/Z (Aᵀb); zero for missing pixels.
        var terms = [Double](repeating: 0, count: 9 * plane)
        for v in 0..<h {
            for u in 0..<w {
                let i = v * w + u, z = d.z[i]
                guard z > 0 else { continue }
                let x = (Double(u) - k.cx) / k.fx, y = (Double(v) - k.cy) / k.fy  // X/Z, Y/Z
                let t = 9 * i
                terms[t] = x * x; terms[t + 1] = x * y; terms[t + 2] = x
                terms[t + 3] = y * y; terms[t + 4] = y; terms[t + 5] = 1
                terms[t + 6] = x / z; terms[t + 7] = y / z; terms[t + 8] = 1 / z
            }
        }
        // Integral image with a zero row and column in front: I[(v+1)(w+1) + u+1] = Σ over rows ≤ v, cols ≤ u.
        let iw = w + 1
        var integral = [Double](repeating: 0, count: 9 * (h + 1) * iw)
        for v in 0..<h {
            var rowSum = [Double](repeating: 0, count: 9)
            for u in 0..<w {
                for c in 0..<9 {
                    rowSum[c] += terms[9 * (v * w + u) + c]
                    integral[9 * ((v + 1) * iw + u + 1) + c] = integral[9 * (v * iw + u + 1) + c] + rowSum[c]
                }
            }
        }
        var normals = [Double](repeating: .nan, count: 3 * plane)
        var s = [Double](repeating: 0, count: 9)
        for v in 0..<h {
            let v0 = max(v - r, 0), v1 = min(v + r, h - 1)
            for u in 0..<w {
                let u0 = max(u - r, 0), u1 = min(u + r, w - 1)
                for c in 0..<9 {
                    s[c] = integral[9 * ((v1 + 1) * iw + u1 + 1) + c] - integral[9 * (v0 * iw + u1 + 1) + c]
                        - integral[9 * ((v1 + 1) * iw + u0) + c] + integral[9 * (v0 * iw + u0) + c]
                }
                // Symmetric AᵀA = [[a, b, c], [b, d, e], [c, e, f]]; adjugate as in Gupta's invertIt.
                let a = s[0], b = s[1], c = s[2], dd = s[3], e = s[4], f = s[5]
                // Degenerate windows (fewer than 3 points, or all on one image line) leave the plane undetermined;
                // Gupta's code then returns rounding noise. Here: NaN when the smaller principal variance of the
                // points' pixel positions is below `minimumPixelVariance`.
                guard f >= 3 else { continue }
                let mx = c / f, my = e / f
                let sxx = (a / f - mx * mx) * k.fx * k.fx, syy = (dd / f - my * my) * k.fy * k.fy
                let sxy = (b / f - mx * my) * k.fx * k.fy
                let minVariance = (sxx + syy) / 2 - (((sxx - syy) / 2) * ((sxx - syy) / 2) + sxy * sxy).squareRoot()
                guard minVariance >= minimumPixelVariance else { continue }
                let i0 = dd * f - e * e, i1 = -b * f + c * e, i2 = b * e - c * dd
                let i3 = a * f - c * c, i4 = -a * e + b * c, i5 = a * dd - b * b
                var nx = i0 * s[6] + i1 * s[7] + i2 * s[8]
                var ny = i1 * s[6] + i3 * s[7] + i4 * s[8]
                var nz = i2 * s[6] + i4 * s[7] + i5 * s[8]
                let norm = (nx * nx + ny * ny + nz * nz).squareRoot()
                guard norm > 0, norm.isFinite else { continue }
                nx /= norm; ny /= norm; nz /= norm
                if nz < 0 { nx = -nx; ny = -ny; nz = -nz }
                let i = v * w + u, z = d.z[i]
                if z > 0 {
                    let px = (Double(u) - k.cx) * z / k.fx, py = (Double(v) - k.cy) * z / k.fy
                    if nx * px + ny * py + nz * z < 0 { nx = -nx; ny = -ny; nz = -nz }
                }
                normals[3 * i] = nx; normals[3 * i + 1] = ny; normals[3 * i + 2] = nz
            }
        }
        return normals
    }
}
