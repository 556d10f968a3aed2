/// The point prompts of automatic mask generation: segment-anything's `build_point_grid` and
/// `build_all_layer_point_grids` (`segment_anything/utils/amg.py`), in Float64 as NumPy computes them.
public enum PointGrid {
    /// `n × n` points `(x, y)` in `[0, 1]²` at `(i + ½) / n`, row by row from the top, x fastest
    /// (`np.linspace(1/(2n), 1 − 1/(2n), n)`: `start + i · step`, the last exactly the end).
    public static func unit(pointsPerSide n: Int) -> [SIMD2<Double>] {
        precondition(n >= 1, "PointGrid: at least one point per side")
        let start = 1 / (2 * Double(n)), stop = 1 - start
        let step = (stop - start) / Double(n - 1)
        let side = (0..<n).map { i in n == 1 ? start : (i == n - 1 ? stop : Double(i) * step + start) }
        return side.flatMap { y in side.map { x in SIMD2(x, y) } }
    }

    /// One unit grid per crop layer `0...cropLayers`: layer i has `pointsPerSide / downscale^i` points per side
    /// (integer division, as `int(n / scale**i)`).
    public static func layers(pointsPerSide n: Int, cropLayers: Int, downscale: Int) -> [[SIMD2<Double>]] {
        var scale = 1
        return (0...cropLayers).map { i in
            if i > 0 { scale *= downscale }
            return unit(pointsPerSide: n / scale)
        }
    }
}
