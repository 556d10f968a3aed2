/// A binary mask in the frame of an image, stored within its bounding box (memory follows the mask's extent,
/// not the image's): what automatic mask generation keeps of each mask.
public struct RegionMask: Sendable, Equatable {
    /// `(height, width)` of the image the mask belongs to, in pixels.
    public let imageHeight: Int
    public let imageWidth: Int
    /// The stored window, inclusive, in image pixels (`MaskBox.empty` for an empty mask).
    public let box: MaskBox
    /// `(box.y1 − box.y0 + 1) × (box.x1 − box.x0 + 1)` values, row-major, 1 inside.
    public let pixels: [UInt8]
    /// Pixels inside.
    public let area: Int

    /// The mask `pixels` (row-major `height × width`, non-zero inside) of the window at `(left, top)` of an
    /// `imageHeight × imageWidth` image (a crop, or the whole image at (0, 0)); outside the window is outside the mask.
    public init(_ window: [UInt8], height: Int, width: Int, left: Int = 0, top: Int = 0, imageHeight: Int, imageWidth: Int) {
        precondition(window.count == height * width, "RegionMask: \(window.count) values for \(height)x\(width)")
        let local = MaskBox.of(window, height: height, width: width)
        let bw = local.x1 - local.x0 + 1, bh = local.y1 - local.y0 + 1
        var stored = [UInt8](repeating: 0, count: bw * bh)
        var area = 0
        for y in 0..<bh {
            for x in 0..<bw where window[(local.y0 + y) * width + local.x0 + x] != 0 {
                stored[y * bw + x] = 1
                area += 1
            }
        }
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        self.box = area == 0 ? .empty : local.offset(dx: left, dy: top)
        self.pixels = area == 0 ? [0] : stored
        self.area = area
    }

    /// The whole-image mask, row-major `imageHeight × imageWidth`, 1 inside.
    public func full() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: imageHeight * imageWidth)
        guard area > 0 else { return out }
        let bw = box.x1 - box.x0 + 1
        for y in box.y0...box.y1 {
            for x in box.x0...box.x1 where pixels[(y - box.y0) * bw + x - box.x0] != 0 { out[y * imageWidth + x] = 1 }
        }
        return out
    }

    /// Whether pixel `(x, y)` of the image is inside.
    public func contains(x: Int, y: Int) -> Bool {
        guard area > 0, x >= box.x0, x <= box.x1, y >= box.y0, y <= box.y1 else { return false }
        return pixels[(y - box.y0) * (box.x1 - box.x0 + 1) + x - box.x0] != 0
    }

    /// segment-anything's uncompressed RLE (`mask_to_rle_pytorch`): run lengths over the image in column-major
    /// order, alternating outside / inside, starting with the (possibly zero) count of outside pixels.
    public func runLengths() -> [Int] {
        let f = full()
        var counts: [Int] = []
        var current: UInt8 = 0, run = 0
        for x in 0..<imageWidth {
            for y in 0..<imageHeight {
                let v = f[y * imageWidth + x]
                if v == current { run += 1 } else { counts.append(run); current = v; run = 1 }
            }
        }
        counts.append(run)
        return counts
    }
}
