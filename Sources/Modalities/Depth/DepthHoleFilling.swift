/// Fills missing depth (0) from measured neighbours: each pass gives every missing pixel with at least one
/// valid 4-neighbour the mean of those neighbours, then marks it valid for the next pass; it stops when nothing
/// changes or after `maximumPasses` (so holes wider than 2 × passes stay 0). A simple diffusion fill meant for
/// small sensor dropouts, not an inpainting of large occlusions.
public struct DepthHoleFilling: Sendable, Equatable, Codable {
    public var maximumPasses: Int

    public init(maximumPasses: Int = 8) { self.maximumPasses = maximumPasses }

    /// - Parameter depth: `[H, W]` metres (0 = missing). - Returns: the filled map, same shape.
    public func fill(_ depth: [Float], height h: Int, width w: Int) -> [Float] {
        var z = depth
        for _ in 0..<maximumPasses {
            var next = z
            var changed = false
            for y in 0..<h {
                for x in 0..<w where z[y * w + x] <= 0 {
                    var sum: Float = 0, n: Float = 0
                    if x > 0, z[y * w + x - 1] > 0 { sum += z[y * w + x - 1]; n += 1 }
                    if x + 1 < w, z[y * w + x + 1] > 0 { sum += z[y * w + x + 1]; n += 1 }
                    if y > 0, z[(y - 1) * w + x] > 0 { sum += z[(y - 1) * w + x]; n += 1 }
                    if y + 1 < h, z[(y + 1) * w + x] > 0 { sum += z[(y + 1) * w + x]; n += 1 }
                    if n > 0 { next[y * w + x] = sum / n; changed = true }
                }
            }
            z = next
            if !changed { break }
        }
        return z
    }
}
