import Foundation
import TensorCore

/// Estimates the gravity direction in the camera frame from surface normals (Gupta et al. 2014, `getYDir`):
/// starting from `initial`, each iteration collects the normals within `θ` of being parallel to the current
/// estimate g ("floor" set F: |n·g| > cos θ) and those within θ of being perpendicular to it ("wall" set W:
/// |n·g| < sin θ), and takes the unit vector that best aligns with F while being orthogonal to W: the eigenvector of
/// the smallest eigenvalue of `Σ_W n nᵀ − Σ_F n nᵀ`, signed to agree with the previous estimate. The stages use
/// thresholds 45° then 15°, 5 iterations each, as in Gupta's code.
///
/// The camera frame is x right, y down, z forward, so the default start (0, 1, 0) is "down" and the result points
/// towards the ground.
public struct GravityEstimator: Sendable, Equatable {
    /// Starting direction (need not be unit length).
    public var initial: SIMD3<Double>
    /// One stage per entry: (threshold in degrees, iterations).
    public var stages: [(thresholdDegrees: Double, iterations: Int)]

    public init(initial: SIMD3<Double> = SIMD3(0, 1, 0), stages: [(thresholdDegrees: Double, iterations: Int)] = [(45, 5), (15, 5)]) {
        self.initial = initial
        self.stages = stages
    }

    public static func == (a: GravityEstimator, b: GravityEstimator) -> Bool {
        a.initial == b.initial && a.stages.map(\.thresholdDegrees) == b.stages.map(\.thresholdDegrees)
            && a.stages.map(\.iterations) == b.stages.map(\.iterations)
    }

    /// - Parameter normals: `[3, H, W]` unit normals (NaN entries are ignored).
    /// - Returns: the unit gravity direction ("down") in the camera frame.
    public func estimate(normals: Tensor) throws -> SIMD3<Double> {
        guard normals.rank == 3, normals.shape[0] == 3 else {
            throw PhysicsTransformError.shape(field: "normals", expected: "[3, H, W]", got: normals.shape)
        }
        let plane = normals.count / 3
        let interleaved: [Double] = normals.withUnsafeBufferPointer { p in
            var out = [Double](repeating: 0, count: 3 * plane)
            for i in 0..<plane { for c in 0..<3 { out[3 * i + c] = Double(p[c * plane + i]) } }
            return out
        }
        return estimate(interleavedNormals: interleaved)
    }

    /// Interleaved (nx, ny, nz) per pixel.
    func estimate(interleavedNormals nn: [Double]) -> SIMD3<Double> {
        let count = nn.count / 3
        var y = initial / (initial * initial).sum().squareRoot()
        for stage in stages {
            let t = stage.thresholdDegrees * .pi / 180
            let cosT = cos(t), sinT = sin(t)
            for _ in 0..<stage.iterations {
                var a = [Double](repeating: 0, count: 9)
                for i in 0..<count {
                    let n = SIMD3(nn[3 * i], nn[3 * i + 1], nn[3 * i + 2])
                    if n.x.isNaN { continue }
                    let sim = abs((n * y).sum())
                    let sign: Double
                    if sim > cosT { sign = -1 } else if sim < sinT { sign = 1 } else { continue }
                    for r in 0..<3 { for c in 0..<3 { a[3 * r + c] += sign * n[r] * n[c] } }
                }
                let (values, vectors) = SymmetricEigen3.decompose(a)
                let k = values.indices.min { values[$0] < values[$1] }!
                var g = SIMD3(vectors[k][0], vectors[k][1], vectors[k][2])
                g /= (g * g).sum().squareRoot()
                let s = (y * g).sum()
                // numpy's sign(0) is 0, which would zero the estimate; keep the eigenvector as is then.
                y = s < 0 ? -g : g
            }
        }
        return y
    }
}
