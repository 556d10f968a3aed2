/// NIfTI's qform: a rotation given by the quaternion (b, c, d) (a ≥ 0 implied), voxel sizes, the handedness qfac
/// (pixdim[0]) and an offset. The conversions follow nibabel 5.4 (`get_qform`, `set_qform`, `mat2quat`), which
/// follows the NIfTI-1 standard's `quatern_to_mat44` / `mat44_to_quatern`.
public struct QuaternionForm: Sendable, Equatable {
    /// quatern_b, quatern_c, quatern_d.
    public var quaternion: [Double]
    /// pixdim[1...3], millimetres (positive).
    public var voxelSize: [Double]
    /// pixdim[0]: −1 flips the third axis (a left-handed voxel grid); any other value counts as 1.
    public var qfac: Double
    /// qoffset_x, qoffset_y, qoffset_z, millimetres.
    public var offset: [Double]

    public init(quaternion: [Double], voxelSize: [Double], qfac: Double, offset: [Double]) {
        self.quaternion = quaternion
        self.voxelSize = voxelSize
        self.qfac = qfac
        self.offset = offset
    }

    /// The voxel → world affine: rotation · diag(voxel sizes, with qfac on the third), then the offset.
    public var affine: Affine3D {
        var (b, c, d) = (quaternion[0], quaternion[1], quaternion[2])
        let squares = b * b + c * c + d * d
        var a = 1 - squares
        if a < 1e-7 {
            // A 180-degree rotation (or a rounded-up quaternion): renormalise (b, c, d), a = 0.
            let s = 1 / squares.squareRoot()
            (b, c, d, a) = (b * s, c * s, d * s, 0)
        } else {
            a = a.squareRoot()
        }
        let r = [[a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
                 [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
                 [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b]]
        let z = [voxelSize[0], voxelSize[1], (qfac == -1 ? -1 : 1) * voxelSize[2]]
        return Affine3D(rows: (0..<3).map { i in [r[i][0] * z[0], r[i][1] * z[1], r[i][2] * z[2], offset[i]] })
    }

    /// The qform closest to `affine` (nibabel's `set_qform`): voxel sizes = the column norms; qfac = −1 when the
    /// unit columns form a left-handed frame (its third column is then negated); the nearest rotation (polar
    /// decomposition) as a quaternion with a ≥ 0. Nil when the linear part is singular.
    public init?(affine: Affine3D) {
        let zooms = (0..<3).map { Matrix3.norm(affine.column($0)) }
        guard zooms.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        var r = affine.linear.map { row in (0..<3).map { row[$0] / zooms[$0] } }
        var qfac = 1.0
        if Matrix3.determinant(r) <= 0 {
            qfac = -1
            for i in 0..<3 { r[i][2] = -r[i][2] }
        }
        guard let q = Matrix3.orthogonalFactor(r) else { return nil }
        self.init(quaternion: QuaternionForm.quaternion(of: q), voxelSize: zooms, qfac: qfac, offset: affine.translation)
    }

    /// (b, c, d) of the unit quaternion with a ≥ 0 of the rotation `r` (Shepperd's branches, as `mat44_to_quatern`).
    static func quaternion(of r: [[Double]]) -> [Double] {
        var a = r[0][0] + r[1][1] + r[2][2] + 1, b: Double, c: Double, d: Double
        if a > 0.5 {
            a = 0.5 * a.squareRoot()
            b = 0.25 * (r[2][1] - r[1][2]) / a
            c = 0.25 * (r[0][2] - r[2][0]) / a
            d = 0.25 * (r[1][0] - r[0][1]) / a
        } else {
            let xd = 1 + r[0][0] - (r[1][1] + r[2][2]), yd = 1 + r[1][1] - (r[0][0] + r[2][2])
            let zd = 1 + r[2][2] - (r[0][0] + r[1][1])
            if xd > 1 {
                b = 0.5 * xd.squareRoot(); c = 0.25 * (r[0][1] + r[1][0]) / b
                d = 0.25 * (r[0][2] + r[2][0]) / b; a = 0.25 * (r[2][1] - r[1][2]) / b
            } else if yd > 1 {
                c = 0.5 * yd.squareRoot(); b = 0.25 * (r[0][1] + r[1][0]) / c
                d = 0.25 * (r[1][2] + r[2][1]) / c; a = 0.25 * (r[0][2] - r[2][0]) / c
            } else {
                d = 0.5 * zd.squareRoot(); b = 0.25 * (r[0][2] + r[2][0]) / d
                c = 0.25 * (r[1][2] + r[2][1]) / d; a = 0.25 * (r[1][0] - r[0][1]) / d
            }
            if a < 0 { (b, c, d) = (-b, -c, -d) }
        }
        return [b, c, d]
    }
}
