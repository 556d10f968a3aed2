/// An affine map of 3-D points, `y = A·x + t`, kept as the top three rows `[A | t]` of its 4 × 4 matrix. For a
/// volume it maps voxel indices (i, j, k) — i the fastest axis on disk (columns), j the rows, k the slices — to
/// world millimetres in NIfTI's RAS+ frame (+x towards the patient's right, +y anterior, +z superior).
public struct Affine3D: Sendable, Equatable {
    /// Three rows of four values: the linear part's row and the translation.
    public var rows: [[Double]]

    /// From three rows `[a, b, c, t]`.
    public init(rows: [[Double]]) {
        precondition(rows.count == 3 && rows.allSatisfy { $0.count == 4 }, "Affine3D: 3 rows of 4 values, got \(rows)")
        self.rows = rows
    }

    /// From the three columns of the linear part and the translation.
    public init(columns: [[Double]], translation: [Double]) {
        let rows: [[Double]] = (0..<3).map { (r: Int) -> [Double] in [columns[0][r], columns[1][r], columns[2][r], translation[r]] }
        self.init(rows: rows)
    }

    public static let identity = Affine3D(rows: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])

    /// The 3 × 3 linear part, row-major.
    public var linear: [[Double]] { rows.map { Array($0[0..<3]) } }
    /// Column `c` (0...2) of the linear part: the world step of one voxel along axis c.
    public func column(_ c: Int) -> [Double] { rows.map { $0[c] } }
    public var translation: [Double] { rows.map { $0[3] } }

    /// The world point of the (possibly fractional) voxel index `p`.
    public func apply(_ p: [Double]) -> [Double] {
        rows.map { (row: [Double]) -> Double in Matrix3.dot(row, p) + row[3] }
    }

    /// `self ∘ other`: first `other`, then `self`.
    public func composed(after other: Affine3D) -> Affine3D {
        let a = linear, b = other.linear
        let product = Matrix3.multiply(a, b)
        let t = Matrix3.apply(a, other.translation)
        let out: [[Double]] = (0..<3).map { (r: Int) -> [Double] in product[r] + [t[r] + rows[r][3]] }
        return Affine3D(rows: out)
    }

    /// The determinant of the linear part: the signed volume of one voxel (mm³ for a voxel → world map).
    public var determinant: Double { Matrix3.determinant(linear) }

    /// The 4 × 4 matrix, row-major (last row 0, 0, 0, 1).
    public var matrix4: [[Double]] { rows + [[0, 0, 0, 1]] }

    /// Diagonal flip of the first two world axes: DICOM's LPS+ patient frame ↔ NIfTI's RAS+.
    public static let lpsToRAS = Affine3D(rows: [[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0]])

    /// The largest absolute difference between corresponding entries.
    public func maxDifference(_ other: Affine3D) -> Double {
        var worst = 0.0
        for r in 0..<3 { for c in 0..<4 { worst = max(worst, abs(rows[r][c] - other.rows[r][c])) } }
        return worst
    }
}

/// Small 3 × 3 helpers (row-major `[[Double]]`).
enum Matrix3 {
    static func multiply(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        var out = [[Double]](repeating: [0, 0, 0], count: 3)
        for r in 0..<3 {
            for c in 0..<3 {
                var sum = 0.0
                for k in 0..<3 { sum += a[r][k] * b[k][c] }
                out[r][c] = sum
            }
        }
        return out
    }

    static func apply(_ a: [[Double]], _ v: [Double]) -> [Double] {
        [dot(a[0], v), dot(a[1], v), dot(a[2], v)]
    }

    static func transpose(_ a: [[Double]]) -> [[Double]] {
        [[a[0][0], a[1][0], a[2][0]], [a[0][1], a[1][1], a[2][1]], [a[0][2], a[1][2], a[2][2]]]
    }

    static func determinant(_ a: [[Double]]) -> Double {
        dot(a[0], cross(a[1], a[2]))
    }

    /// The inverse, or nil for a singular matrix.
    static func inverse(_ a: [[Double]]) -> [[Double]]? {
        let det = determinant(a)
        guard det != 0, det.isFinite else { return nil }
        func m(_ r: Int, _ c: Int) -> Double { a[r % 3][c % 3] }
        // Cofactor (r, c) via cyclic indices, transposed into the adjugate.
        var out = [[Double]](repeating: [0, 0, 0], count: 3)
        for r in 0..<3 {
            for c in 0..<3 {
                let plus: Double = m(c + 1, r + 1) * m(c + 2, r + 2)
                let minus: Double = m(c + 1, r + 2) * m(c + 2, r + 1)
                out[r][c] = (plus - minus) / det
            }
        }
        return out
    }

    static func cross(_ a: [Double], _ b: [Double]) -> [Double] {
        let x: Double = a[1] * b[2] - a[2] * b[1]
        let y: Double = a[2] * b[0] - a[0] * b[2]
        let z: Double = a[0] * b[1] - a[1] * b[0]
        return [x, y, z]
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        let xy: Double = a[0] * b[0] + a[1] * b[1]
        return xy + a[2] * b[2]
    }

    static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

    /// The orthogonal factor of the polar decomposition `a = Q·S` (the rotation or reflection closest to `a`,
    /// as NumPy's `P·Qs` from the SVD `a = P·diag(s)·Qs`), by Newton's iteration `X ← (X + X⁻ᵀ) / 2`; nil when
    /// `a` is singular.
    static func orthogonalFactor(_ a: [[Double]]) -> [[Double]]? {
        var x = a
        for _ in 0..<100 {
            guard let inv = inverse(x) else { return nil }
            let it = transpose(inv)
            var next = x, change = 0.0
            for r in 0..<3 {
                for c in 0..<3 {
                    next[r][c] = 0.5 * (x[r][c] + it[r][c])
                    change = max(change, abs(next[r][c] - x[r][c]))
                }
            }
            x = next
            if change <= 1e-15 { break }
        }
        return x
    }
}
