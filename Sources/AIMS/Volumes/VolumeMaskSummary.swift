import ImageIO
import TensorCore

/// The extent of a volume mask, in voxels and in world millimetres.
public struct VolumeMaskSummary: Sendable, Equatable, Encodable {
    /// Voxels inside.
    public var voxels: Int
    /// `[i0, j0, k0, i1, j1, k1]`, inclusive voxel indices; nil for an empty mask.
    public var boxVoxels: [Int]?
    /// `[x0, y0, z0, x1, y1, z1]`: the RAS+ millimetre range covered by the centres of the voxel box's eight
    /// corner voxels (axis-aligned in world space); nil for an empty mask.
    public var boxMillimetres: [Double]?
    /// Millilitres inside: voxels × the voxel volume (|det| of the affine's linear part, mm³) / 1000.
    public var millilitres: Double

    /// The summary of `mask` (`[nz, ny, nx]`, > 0 inside) on a grid with voxel → RAS+ map `affine`.
    public init(mask: Tensor, affine: Affine3D) {
        let (nz, ny, nx) = (mask.shape[0], mask.shape[1], mask.shape[2])
        var n = 0, lo = [nx, ny, nz], hi = [-1, -1, -1]
        mask.withUnsafeBufferPointer { m in
            for k in 0..<nz { for j in 0..<ny { for i in 0..<nx where m[(k * ny + j) * nx + i] > 0 {
                n += 1
                lo = [min(lo[0], i), min(lo[1], j), min(lo[2], k)]
                hi = [max(hi[0], i), max(hi[1], j), max(hi[2], k)]
            } } }
        }
        voxels = n
        millilitres = Double(n) * abs(affine.determinant) / 1000
        guard n > 0 else { boxVoxels = nil; boxMillimetres = nil; return }
        boxVoxels = lo + hi
        var wlo = [Double.infinity, .infinity, .infinity], whi = [-Double.infinity, -.infinity, -.infinity]
        for corner in 0..<8 {
            let p = (0..<3).map { Double(corner >> $0 & 1 == 1 ? hi[$0] : lo[$0]) }
            let w = affine.apply(p)
            for a in 0..<3 { wlo[a] = min(wlo[a], w[a]); whi[a] = max(whi[a], w[a]) }
        }
        boxMillimetres = wlo + whi
    }
}
