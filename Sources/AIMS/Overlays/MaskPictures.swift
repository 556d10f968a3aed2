import TensorCore

/// Pictures of predicted masks, shared by `aims predict --overlay` and `aims eval --overlays`: the
/// binary mask, and drawing on a `[3, H, W]` picture with values 0–255 (blended masks, outlines, boxes,
/// click squares).
public enum MaskPictures {
    public typealias RGB = (Float, Float, Float)

    /// `[1, H, W]` logits → `[1, H, W]` with 255 where logit > 0, else 0.
    public static func binary(_ logits: Tensor) -> Tensor {
        logits.withUnsafeBufferPointer { l in Tensor(shape: logits.shape) { o in for i in 0..<l.count { o[i] = l[i] > 0 ? 255 : 0 } } }
    }

    /// Pixel count and inclusive bounding box `[x0, y0, x1, y1]` of a `[1, H, W]` mask.
    public static func extent(_ mask: Tensor) -> (pixels: Int, box: [Int]?) {
        let (h, w) = (mask.shape[1], mask.shape[2])
        var n = 0, x0 = w, y0 = h, x1 = -1, y1 = -1
        mask.withUnsafeBufferPointer { m in
            for y in 0..<h { for x in 0..<w where m[y * w + x] > 0 {
                n += 1; x0 = min(x0, x); y0 = min(y0, y); x1 = max(x1, x); y1 = max(y1, y)
            } }
        }
        return (n, n > 0 ? [x0, y0, x1, y1] : nil)
    }

    /// Where `mask` (H·W values, > 0 inside) is set, `picture = (1 − opacity)·picture + opacity·colour`.
    public static func blend(_ picture: inout Tensor, mask: Tensor, colour: RGB, opacity: Float = 0.5) {
        let (h, w) = (picture.shape[1], picture.shape[2])
        let keep = 1 - opacity
        let c = [opacity * colour.0, opacity * colour.1, opacity * colour.2]
        picture.withUnsafeMutableBufferPointer { o in
            mask.withUnsafeBufferPointer { m in
                for p in 0..<(h * w) where m[p] > 0 {
                    for k in 0..<3 { o[k * h * w + p] = keep * o[k * h * w + p] + c[k] }
                }
            }
        }
    }

    /// Paints `colour` on the pixels of `mask` (H·W values, > 0 inside) that touch the outside: a
    /// 4-neighbour outside the mask or the picture's edge.
    public static func outline(_ picture: inout Tensor, mask: Tensor, colour: RGB) {
        let (h, w) = (picture.shape[1], picture.shape[2])
        var edge: [Int] = []
        mask.withUnsafeBufferPointer { m in
            func inside(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < w && y < h && m[y * w + x] > 0 }
            for y in 0..<h { for x in 0..<w where m[y * w + x] > 0 {
                if !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1) { edge.append(y * w + x) }
            } }
        }
        picture.withUnsafeMutableBufferPointer { o in
            for p in edge { o[p] = colour.0; o[h * w + p] = colour.1; o[2 * h * w + p] = colour.2 }
        }
    }

    /// One pixel, ignored outside the picture.
    public static func paint(_ picture: inout Tensor, _ x: Int, _ y: Int, _ rgb: RGB) {
        let (h, w) = (picture.shape[1], picture.shape[2])
        guard x >= 0, y >= 0, x < w, y < h else { return }
        picture.withUnsafeMutableBufferPointer { o in
            o[y * w + x] = rgb.0; o[h * w + y * w + x] = rgb.1; o[2 * h * w + y * w + x] = rgb.2
        }
    }

    /// The outline of box `[x0, y0, x1, y1]` (pixels), clamped to one pixel outside the picture so a
    /// far-off box draws nothing and costs nothing.
    public static func box(_ picture: inout Tensor, _ b: [Double], colour: RGB) {
        let (h, w) = (picture.shape[1], picture.shape[2])
        func cx(_ v: Double) -> Int { Int(min(max(v, -1), Double(w))) }
        func cy(_ v: Double) -> Int { Int(min(max(v, -1), Double(h))) }
        let (x0, y0, x1, y1) = (cx(b[0]), cy(b[1]), cx(b[2]), cy(b[3]))
        for x in x0...max(x0, x1) { paint(&picture, x, y0, colour); paint(&picture, x, y1, colour) }
        for y in y0...max(y0, y1) { paint(&picture, x0, y, colour); paint(&picture, x1, y, colour) }
    }

    /// A 5×5 square centred on the click `(x, y)` (pixels).
    public static func click(_ picture: inout Tensor, x: Float, y: Float, colour: RGB) {
        let (h, w) = (picture.shape[1], picture.shape[2])
        guard x > -3, y > -3, x < Float(w + 3), y < Float(h + 3) else { return }
        for dy in -2...2 { for dx in -2...2 { paint(&picture, Int(x) + dx, Int(y) + dy, colour) } }
    }

    /// The channels a picture shows as R, G, B by default: 0, 1, 2 (C < 3: the last channel repeated).
    public static func displayChannels(_ channelCount: Int) -> [Int] { (0..<3).map { min($0, channelCount - 1) } }

    /// `values [C, H, W]` (any units) → `[3, H, W]` 0–255: the three `channels` as R, G, B, each stretched min–max.
    public static func display(_ values: Tensor, channels: [Int]) -> Tensor {
        stretchedPlanes(Tensor.concat(channels.map { values.slice(axis: 0, $0..<($0 + 1)) }, axis: 0))
    }

    /// Each plane of `[3, H, W]` stretched from its own min–max to 0–255 (a constant plane: 128).
    public static func stretchedPlanes(_ planes: Tensor) -> Tensor {
        let n = planes.shape[1] * planes.shape[2]
        var out = planes
        out.withUnsafeMutableBufferPointer { o in
            for k in 0..<3 {
                let plane = o[(k * n)..<((k + 1) * n)]
                let lo = plane.min() ?? 0, hi = plane.max() ?? 0
                for p in (k * n)..<((k + 1) * n) { o[p] = hi > lo ? 255 * (o[p] - lo) / (hi - lo) : 128 }
            }
        }
        return out
    }

    /// Every labelled pixel of `labels [1, H, W]` (0 = none) blended in its label's colour (`palette[(k − 1) % count]`,
    /// half opacity), and each label's boundary painted opaque.
    public static func blendLabels(_ picture: inout Tensor, labels: Tensor, palette: [RGB]) {
        let (h, w) = (picture.shape[1], picture.shape[2])
        let l = labels.scalars
        picture.withUnsafeMutableBufferPointer { o in
            for p in 0..<(h * w) where l[p] > 0 {
                let c = palette[(Int(l[p]) - 1) % palette.count]
                let y = p / w, x = p % w
                func differs(_ nx: Int, _ ny: Int) -> Bool { nx < 0 || ny < 0 || nx >= w || ny >= h || l[ny * w + nx] != l[p] }
                let a: Float = differs(x - 1, y) || differs(x + 1, y) || differs(x, y - 1) || differs(x, y + 1) ? 1 : 0.5
                let colour: [Float] = [c.0, c.1, c.2]
                for k in 0..<3 { o[k * h * w + p] = (1 - a) * o[k * h * w + p] + a * colour[k] }
            }
        }
    }

    /// `[3, H, W]` 0–255: the image, with the mask blended in red (half opacity), the box outlined in
    /// yellow and clicks as green (positive) or blue (negative) 5×5 squares.
    public static func overlay(image: Tensor, mask: Tensor, box b: [Double]?, points: [(Float, Float)], labels: [Int]) -> Tensor {
        var out = image
        blend(&out, mask: mask, colour: (255, 0, 0))
        if let b { box(&out, b, colour: (255, 255, 0)) }
        for (k, p) in points.enumerated() {
            click(&out, x: p.0, y: p.1, colour: labels[k] == 1 ? (0, 255, 0) : (0, 128, 255))
        }
        return out
    }
}
