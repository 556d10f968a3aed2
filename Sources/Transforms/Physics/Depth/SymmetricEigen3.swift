/// Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations (Float64).
enum SymmetricEigen3 {
    /// - Parameter m: row-major symmetric 3×3.
    /// - Returns: eigenvalues and the matching unit eigenvectors (`vectors[k]` belongs to `values[k]`).
    static func decompose(_ m: [Double]) -> (values: [Double], vectors: [[Double]]) {
        var a = m
        var v: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]  // columns are eigenvectors
        for _ in 0..<64 {
            let off = a[1] * a[1] + a[2] * a[2] + a[5] * a[5]
            let scale = a[0] * a[0] + a[4] * a[4] + a[8] * a[8] + 2 * off
            if off <= 1e-30 * max(scale, .leastNormalMagnitude) { break }
            for (p, q) in [(0, 1), (0, 2), (1, 2)] {
                let apq = a[3 * p + q]
                if apq == 0 { continue }
                let app = a[3 * p + p], aqq = a[3 * q + q]
                let theta = (aqq - app) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                // A ← Jᵀ A J with J the rotation in the (p, q) plane.
                for k in 0..<3 {
                    let akp = a[3 * k + p], akq = a[3 * k + q]
                    a[3 * k + p] = c * akp - s * akq
                    a[3 * k + q] = s * akp + c * akq
                }
                for k in 0..<3 {
                    let apk = a[3 * p + k], aqk = a[3 * q + k]
                    a[3 * p + k] = c * apk - s * aqk
                    a[3 * q + k] = s * apk + c * aqk
                }
                for k in 0..<3 {
                    let vkp = v[3 * k + p], vkq = v[3 * k + q]
                    v[3 * k + p] = c * vkp - s * vkq
                    v[3 * k + q] = s * vkp + c * vkq
                }
            }
        }
        let values = [a[0], a[4], a[8]]
        let vectors = (0..<3).map { j in [v[j], v[3 + j], v[6 + j]] }
        return (values, vectors)
    }
}
