import SimCMF
import TensorCore

/// The label image of segment-everything: label k (1-based) is the k-th mask by area, largest first (ties in
/// the generator's order); masks are painted in that order, so where masks overlap a pixel carries the smallest
/// mask's label; 0 is no mask.
public enum LabelImage {
    /// The masks' order in the label image: indices into `masks`, by decreasing area, stable.
    public static func order(_ masks: [GeneratedMask]) -> [Int] {
        masks.indices.sorted { masks[$0].area > masks[$1].area || (masks[$0].area == masks[$1].area && $0 < $1) }
    }

    /// `[1, H, W]` labels (Float32 holding integers 0…n) for masks already in label order.
    /// - Precondition: at most 65,535 masks (a 16-bit PNG's labels).
    public static func render(_ ordered: [GeneratedMask], height h: Int, width w: Int) -> Tensor {
        precondition(ordered.count <= 65_535, "LabelImage: \(ordered.count) masks do not fit 16 bits")
        var labels = [Float](repeating: 0, count: h * w)
        for (k, m) in ordered.enumerated() where m.area > 0 {
            let b = m.mask.box
            let bw = b.x1 - b.x0 + 1
            for y in b.y0...b.y1 {
                for x in b.x0...b.x1 where m.mask.pixels[(y - b.y0) * bw + x - b.x0] != 0 { labels[y * w + x] = Float(k + 1) }
            }
        }
        return Tensor(shape: [1, h, w], values: labels)
    }
}
