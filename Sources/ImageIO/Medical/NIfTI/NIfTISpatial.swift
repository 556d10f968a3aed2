/// The spatial fields of a NIfTI header: how voxel indices map to world millimetres (RAS+). Values are kept as
/// read (float32 in NIfTI-1, float64 in NIfTI-2), so a header copied field by field keeps its exact bits
/// (`docs/REFERENCE.md §11.2`).
public struct NIfTISpatial: Sendable, Equatable {
    /// qform_code / sform_code: 0 unknown (not used), 1 scanner, 2 aligned, 3 Talairach, 4 MNI, 5 template.
    public var qformCode: Int = 0
    public var sformCode: Int = 0
    /// pixdim[0]: the qform's handedness, −1 or 1 (0 is read as 1, as the standard asks).
    public var qfac: Double = 1
    /// quatern_b, quatern_c, quatern_d.
    public var quaternion: [Double] = [0, 0, 0]
    /// qoffset_x, qoffset_y, qoffset_z, millimetres.
    public var qoffset: [Double] = [0, 0, 0]
    /// srow_x, srow_y, srow_z: the sform's three rows `[a, b, c, t]`.
    public var srow: [[Double]] = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    /// xyzt_units: spatial unit in bits 0–2 (1 m, 2 mm, 3 µm), time unit in bits 3–5.
    public var xyztUnits: Int = 0

    public init() {}

    /// NIFTI_UNITS_MM.
    public static let millimetres = 2

    /// Both forms set from one affine with code `code` (as nibabel's `set_qform` and `set_sform`, units mm);
    /// also returns the voxel sizes (pixdim[1...3]) the qform needs. Nil for a singular affine.
    public static func from(affine: Affine3D, code: Int) -> (spatial: NIfTISpatial, voxelSize: [Double])? {
        guard let q = QuaternionForm(affine: affine) else { return nil }
        var s = NIfTISpatial()
        s.qformCode = code
        s.sformCode = code
        s.qfac = q.qfac
        s.quaternion = q.quaternion
        s.qoffset = q.offset
        s.srow = affine.rows
        s.xyztUnits = millimetres
        return (s, q.voxelSize)
    }

    /// Every value rounded to float32, as a NIfTI-1 file stores it.
    public var roundedToFloat32: NIfTISpatial {
        func f(_ v: Double) -> Double { Double(Float(v)) }
        var s = self
        s.qfac = f(qfac)
        s.quaternion = quaternion.map(f)
        s.qoffset = qoffset.map(f)
        s.srow = srow.map { $0.map(f) }
        return s
    }
}

extension NIfTIHeader {
    /// The qform's affine when qform_code > 0 (pixdim[1...3] as voxel sizes).
    public var qformAffine: Affine3D? {
        guard spatial.qformCode > 0 else { return nil }
        return QuaternionForm(quaternion: spatial.quaternion, voxelSize: spatialVoxelSize, qfac: spatial.qfac,
                              offset: spatial.qoffset).affine
    }

    /// The sform's affine when sform_code > 0.
    public var sformAffine: Affine3D? { spatial.sformCode > 0 ? Affine3D(rows: spatial.srow) : nil }

    /// nibabel's `get_best_affine`: the sform when its code is set, else the qform, else nibabel's fallback
    /// (pixdim scaling with x flipped, centred on the grid).
    public var affine: Affine3D {
        if let s = sformAffine { return s }
        if let q = qformAffine { return q }
        let z = spatialVoxelSize
        var rows = [[Double]](repeating: [0, 0, 0, 0], count: 3)
        for r in 0..<3 {
            let zoom: Double = (r == 0 ? -1 : 1) * z[r]
            let n: Double = r < dimensions.count ? Double(dimensions[r]) : 1
            rows[r][r] = zoom
            rows[r][3] = -(n - 1) / 2 * zoom
        }
        return Affine3D(rows: rows)
    }

    /// pixdim[1...3], 1 where the header has fewer axes.
    var spatialVoxelSize: [Double] { (0..<3).map { $0 < voxelSize.count ? voxelSize[$0] : 1 } }
}
