import Tensor

/// Pictures of a predicted mask: the binary mask itself and an overlay on the input image.
enum MaskPictures {
    /// `[1, H, W]` logits → `[1, H, W]` with 255 where logit > 0, else 0.
    static func binary(_ logits: Tensor) -> Tensor {
        logits.withUnsafeBufferPointer { l in Tensor(shape: logits.shape) { o in for i in 0..<l.count { o[i] = l[i] > 0 ? 255 : 0 } } }
    }

    /// Pixel count and inclusive bounding box `[x0, y0, x1, y1]` of a `[1, H, W]` mask.
    static func extent(_ mask: Tensor) -> (pixels: Int, box: [Int]?) {
        let (h, w) = (mask.shape[1], mask.shape[2])
        var n = 0, x0 = w, y0 = h, x1 = -1, y1 = -1
        mask.withUnsafeBufferPointer { m in
            for y in 0..<h { for x in 0..<w where m[y * w + x] > 0 {
                n += 1; x0 = min(x0, x); y0 = min(y0, y); x1 = max(x1, x); y1 = max(y1, y)
            } }
        }
        return (n, n > 0 ? [x0, y0, x1, y1] : nil)
    }

    /// `[3, H, W]` 0–255: the image, with the mask blended in red (half opacity), the box outlined in
    /// yellow and clicks as green (positive) or blue (negative) 5×5 squares.
    static func overlay(image: Tensor, mask: Tensor, box: [Double]?, points: [(Float, Float)], labels: [Int]) -> Tensor {
        let (h, w) = (image.shape[1], image.shape[2])
        var out = image
        out.withUnsafeMutableBufferPointer { o in
            mask.withUnsafeBufferPointer { m in
                for p in 0..<(h * w) where m[p] > 0 {
                    o[p] = 0.5 * o[p] + 127.5
                    o[h * w + p] *= 0.5
                    o[2 * h * w + p] *= 0.5
                }
            }
            func paint(_ x: Int, _ y: Int, _ rgb: (Float, Float, Float)) {
                guard x >= 0, y >= 0, x < w, y < h else { return }
                o[y * w + x] = rgb.0; o[h * w + y * w + x] = rgb.1; o[2 * h * w + y * w + x] = rgb.2
            }
            if let b = box {
                // Clamped to one pixel outside the image, so a far-off box draws nothing and costs nothing.
                func cx(_ v: Double) -> Int { Int(min(max(v, -1), Double(w))) }
                func cy(_ v: Double) -> Int { Int(min(max(v, -1), Double(h))) }
                let (x0, y0, x1, y1) = (cx(b[0]), cy(b[1]), cx(b[2]), cy(b[3]))
                for x in x0...max(x0, x1) { paint(x, y0, (255, 255, 0)); paint(x, y1, (255, 255, 0)) }
                for y in y0...max(y0, y1) { paint(x0, y, (255, 255, 0)); paint(x1, y, (255, 255, 0)) }
            }
            for (k, p) in points.enumerated() {
                let colour: (Float, Float, Float) = labels[k] == 1 ? (0, 255, 0) : (0, 128, 255)
                guard p.0 > -3, p.1 > -3, p.0 < Float(w + 3), p.1 < Float(h + 3) else { continue }
                for dy in -2...2 { for dx in -2...2 { paint(Int(p.0) + dx, Int(p.1) + dy, colour) } }
            }
        }
        return out
    }
}
