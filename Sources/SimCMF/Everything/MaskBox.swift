/// The bounding box of a binary mask: inclusive pixel bounds `x0…x1`, `y0…y1` (`batched_mask_to_box`: XYXY with
/// the last pixel's index, so a one-pixel mask has `x0 == x1`; an empty mask gives `(0, 0, 0, 0)`).
public struct MaskBox: Sendable, Equatable, Hashable, Codable {
    public var x0: Int, y0: Int, x1: Int, y1: Int

    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1
    }

    public static let empty = MaskBox(x0: 0, y0: 0, x1: 0, y1: 0)

    /// The box of the set (non-zero) pixels of a row-major `height × width` mask.
    public static func of(_ mask: UnsafeBufferPointer<UInt8>, height: Int, width: Int) -> MaskBox {
        var x0 = width, y0 = height, x1 = -1, y1 = -1
        for y in 0..<height {
            let row = y * width
            var first = -1, last = -1
            for x in 0..<width where mask[row + x] != 0 {
                if first < 0 { first = x }
                last = x
            }
            guard first >= 0 else { continue }
            if y0 == height { y0 = y }
            y1 = y
            x0 = min(x0, first); x1 = max(x1, last)
        }
        return x1 < 0 ? .empty : MaskBox(x0: x0, y0: y0, x1: x1, y1: y1)
    }

    /// The box of a row-major mask.
    public static func of(_ mask: [UInt8], height: Int, width: Int) -> MaskBox {
        mask.withUnsafeBufferPointer { of($0, height: height, width: width) }
    }

    /// Moved by `(dx, dy)` (`uncrop_boxes_xyxy`).
    public func offset(dx: Int, dy: Int) -> MaskBox { MaskBox(x0: x0 + dx, y0: y0 + dy, x1: x1 + dx, y1: y1 + dy) }

    /// `[x0, y0, x1, y1]`.
    public var xyxy: [Int] { [x0, y0, x1, y1] }
    /// segment-anything's XYWH (`box_xyxy_to_xywh`: `w = x1 − x0`, one less than the pixel count).
    public var xywh: [Int] { [x0, y0, x1 - x0, y1 - y0] }
}
