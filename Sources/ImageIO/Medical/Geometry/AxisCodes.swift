extension Affine3D {
    /// The world direction each voxel axis points to most, as three letters of `R/L`, `A/P`, `S/I` (`"RAS"`,
    /// `"LPS"`, ...): nibabel's `aff2axcodes` (`io_orientation`): the orthogonal factor of the linear part with
    /// unit columns, voxel axes taken from the most to the least decided (stable), each given the world axis of
    /// its largest absolute entry among those not taken yet. `"?"` for a degenerate axis.
    public var axisCodes: String {
        let zooms = (0..<3).map { c -> Double in let n = Matrix3.norm(column(c)); return n == 0 ? 1 : n }
        let unit = linear.map { row in (0..<3).map { row[$0] / zooms[$0] } }
        guard var r = Matrix3.orthogonalFactor(unit) else { return "???" }
        let labels = [("L", "R"), ("P", "A"), ("I", "S")]
        let strength = (0..<3).map { c in (0..<3).map { r[$0][c] * r[$0][c] }.max()! }
        let order = (0..<3).sorted { strength[$0] > strength[$1] || (strength[$0] == strength[$1] && $0 < $1) }
        var codes = ["?", "?", "?"]
        for axis in order {
            let col = (0..<3).map { r[$0][axis] }
            guard col.contains(where: { abs($0) > 1e-12 }) else { continue }
            let world = (0..<3).max { abs(col[$0]) < abs(col[$1]) || (abs(col[$0]) == abs(col[$1]) && $0 > $1) }!
            codes[axis] = col[world] < 0 ? labels[world].0 : labels[world].1
            r[world] = [0, 0, 0]
        }
        return codes.joined()
    }
}
