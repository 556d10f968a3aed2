/// A click of the interactive protocol on a pixel grid: column `x`, row `y` (grid pixels), positive (the
/// object is missing there) or negative (the prediction spills there).
public struct GridClick: Sendable, Hashable, Codable {
    public var x: Int
    public var y: Int
    public var positive: Bool
    public init(x: Int, y: Int, positive: Bool) { self.x = x; self.y = y; self.positive = positive }
}

/// Where the simulated user of the interactive protocol clicks (RITM's `Clicker._get_next_click`, Sofiiuk et
/// al. 2022, followed by SimpleClick and FocalClick): at the pixel of an error region farthest from that
/// region's boundary, by the exact Euclidean distance transform of the region padded with one background
/// pixel on every side (so the image border counts as boundary).
///
/// - The first click: the object's own interior point (the whole object is the false-negative region).
/// - Each next click: the deepest pixel of the false negatives (truth ∧ ¬prediction) against that of the false
///   positives (¬truth ∧ prediction); positive when the false-negative depth is strictly larger (RITM's
///   `fn_max_dist > fp_max_dist`; a tie clicks negative). "The largest error region" is thus the one with the
///   largest inscribed distance, not the most pixels.
/// - Among equally deep pixels the first in raster order (`np.where(...)[0]`). Pixels clicked before are not
///   clicked again (RITM's `not_clicked_map`); when no unclicked error pixel is left there is no next click.
public enum ClickPlacement {
    /// The interior point of `mask` (`[H · W]` row-major, true = inside): the pixel with the largest distance
    /// to the nearest pixel outside (or beyond the grid), skipping the row-major indices in `excluding`.
    /// - Returns: the pixel and its squared distance (pixels²), or nil when no pixel qualifies.
    public static func interiorPoint(of mask: [Bool], height: Int, width: Int,
                                     excluding: Set<Int> = []) -> (x: Int, y: Int, squaredDistance: Double)? {
        let d = paddedSquaredDistances(mask, height: height, width: width)
        var best: (index: Int, value: Double)?
        for i in 0..<d.count where mask[i] && !excluding.contains(i) && d[i] > (best?.value ?? 0) { best = (i, d[i]) }
        return best.map { (x: $0.index % width, y: $0.index / width, squaredDistance: $0.value) }
    }

    /// The first click on an object `truth` (`[H · W]`, true = object): positive, at its interior point.
    public static func firstClick(truth: [Bool], height: Int, width: Int) -> GridClick? {
        interiorPoint(of: truth, height: height, width: width).map { GridClick(x: $0.x, y: $0.y, positive: true) }
    }

    /// The next click given the object `truth` and the current `prediction` (both `[H · W]` row-major), not on
    /// the row-major indices in `clicked`. Nil when every error pixel has been clicked or there is no error.
    public static func nextClick(truth: [Bool], prediction: [Bool], height: Int, width: Int, clicked: Set<Int> = []) -> GridClick? {
        precondition(truth.count == height * width && prediction.count == truth.count, "ClickPlacement: mask sizes differ")
        let falseNegative = zip(truth, prediction).map { $0 && !$1 }
        let falsePositive = zip(truth, prediction).map { !$0 && $1 }
        let fn = interiorPoint(of: falseNegative, height: height, width: width, excluding: clicked)
        let fp = interiorPoint(of: falsePositive, height: height, width: width, excluding: clicked)
        switch (fn, fp) {
        case (nil, nil): return nil
        case let (f?, nil): return GridClick(x: f.x, y: f.y, positive: true)
        case let (nil, p?): return GridClick(x: p.x, y: p.y, positive: false)
        case let (f?, p?):
            return f.squaredDistance > p.squaredDistance ? GridClick(x: f.x, y: f.y, positive: true) : GridClick(x: p.x, y: p.y, positive: false)
        }
    }

    /// Squared distances `[H · W]` of `mask` padded by one background pixel on each side, cropped back.
    static func paddedSquaredDistances(_ mask: [Bool], height: Int, width: Int) -> [Double] {
        let ph = height + 2, pw = width + 2
        var padded = [Bool](repeating: false, count: ph * pw)
        for y in 0..<height { for x in 0..<width { padded[(y + 1) * pw + x + 1] = mask[y * width + x] } }
        let d = DistanceTransform.squaredEuclidean(padded, height: ph, width: pw)
        var out = [Double](); out.reserveCapacity(height * width)
        for y in 0..<height { out.append(contentsOf: d[((y + 1) * pw + 1)..<((y + 1) * pw + 1 + width)]) }
        return out
    }
}
