import Foundation

/// One crop of automatic mask generation: the window `[x0, x1) × [y0, y1)` of the image, in pixels, and its
/// crop layer (0: the whole image). segment-anything's crop boxes (`generate_crop_boxes`, XYXY, end exclusive).
public struct CropBox: Sendable, Equatable, Hashable, Codable {
    public var x0: Int, y0: Int, x1: Int, y1: Int
    public var layer: Int

    public init(x0: Int, y0: Int, x1: Int, y1: Int, layer: Int) {
        self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1; self.layer = layer
    }

    public var width: Int { x1 - x0 }
    public var height: Int { y1 - y0 }
    /// `width · height` pixels (`box_area`).
    public var area: Int { width * height }
    /// `[x0, y0, x1, y1]`.
    public var xyxy: [Int] { [x0, y0, x1, y1] }

    /// `generate_crop_boxes(im_size, n_layers, overlap_ratio)`: the whole image, then for layer i = 1…layers a
    /// `2^i × 2^i` tiling whose neighbours overlap by `int(ratio · short side · 2 / 2^i)` pixels, each crop
    /// `ceil((overlap · (n − 1) + side) / n)` long, clipped to the image; x outer, y inner.
    public static func boxes(imageHeight h: Int, imageWidth w: Int, layers: Int, overlapRatio: Double) -> [CropBox] {
        var out = [CropBox(x0: 0, y0: 0, x1: w, y1: h, layer: 0)]
        let shortSide = Double(min(h, w))
        func cropLength(_ length: Int, _ n: Int, _ overlap: Int) -> Int {
            Int((Double(overlap * (n - 1) + length) / Double(n)).rounded(.up))
        }
        for layer in 0..<layers {
            let n = 1 << (layer + 1)
            let overlap = Int(overlapRatio * shortSide * (2 / Double(n)))
            let cropW = cropLength(w, n, overlap), cropH = cropLength(h, n, overlap)
            for i in 0..<n {
                for j in 0..<n {
                    let x0 = (cropW - overlap) * i, y0 = (cropH - overlap) * j
                    out.append(CropBox(x0: x0, y0: y0, x1: min(x0 + cropW, w), y1: min(y0 + cropH, h), layer: layer + 1))
                }
            }
        }
        return out
    }

    /// `is_box_near_crop_edge(box, crop, [0, 0, W, H], atol=20)`: whether a mask's box (crop pixels, inclusive)
    /// lies within `tolerance` pixels of an edge of this crop that is not an edge of the image, coordinate by
    /// coordinate (the box's x1 against the crop's x1, ...), in Float32 as PyTorch.
    public func cutsMask(_ box: MaskBox, imageHeight h: Int, imageWidth w: Int, tolerance: Float = 20) -> Bool {
        let b = [box.x0 + x0, box.y0 + y0, box.x1 + x0, box.y1 + y0].map(Float.init)
        let crop = xyxy.map(Float.init), image = [0, 0, Float(w), Float(h)]
        return (0..<4).contains { k in abs(b[k] - crop[k]) <= tolerance && !(abs(b[k] - image[k]) <= tolerance) }
    }
}
