/// segment-anything's `remove_small_regions` (`segment_anything/utils/amg.py`): in `holes` mode fills the
/// connected regions of the mask's complement smaller than the threshold (the complement's region that
/// surrounds the mask too, if it is that small); in `islands` mode drops the mask's regions smaller than it,
/// keeping the largest region when all are smaller. Regions are 8-connected and numbered in raster order of their
/// first pixel (OpenCV's `connectedComponentsWithStats(mask, 8)`); "smaller" is `size < areaThreshold`.
public enum SmallRegions {
    public enum Mode: Sendable { case holes, islands }

    /// Edits the row-major `height × width` mask (1 inside, 0 outside) in place.
    /// - Returns: whether any region was small, i.e. whether the mask may have changed (segment-anything's flag).
    @discardableResult
    public static func remove(_ mask: inout [UInt8], height: Int, width: Int, areaThreshold: Int, mode: Mode) -> Bool {
        let target: UInt8 = mode == .holes ? 0 : 1
        let (labels, sizes) = ConnectedRegions.label(mask, height: height, width: width, foreground: target)
        let small = Set(sizes.indices.filter { sizes[$0] < areaThreshold }.map { $0 + 1 })
        guard !small.isEmpty else { return false }
        switch mode {
        case .holes:
            for p in mask.indices where small.contains(labels[p]) { mask[p] = 1 }
        case .islands:
            var keep = Set((1...sizes.count).filter { !small.contains($0) })
            if keep.isEmpty, let largest = sizes.max(), let first = sizes.firstIndex(of: largest) {
                keep = [first + 1]   // np.argmax: the first of the largest
            }
            for p in mask.indices { mask[p] = keep.contains(labels[p]) ? 1 : 0 }
        }
        return true
    }
}

/// 8-connected regions of a binary image, numbered 1, 2, … in raster order of their first pixel.
public enum ConnectedRegions {
    /// - Parameter foreground: the pixel value whose regions are labelled; other pixels get label 0.
    /// - Returns: a label per pixel and the size of region k at index k − 1.
    public static func label(_ image: [UInt8], height: Int, width: Int, foreground: UInt8) -> (labels: [Int], sizes: [Int]) {
        var labels = [Int](repeating: 0, count: image.count)
        var sizes: [Int] = []
        var stack: [Int] = []
        for start in image.indices where image[start] == foreground && labels[start] == 0 {
            let id = sizes.count + 1
            var size = 0
            labels[start] = id
            stack.append(start)
            while let p = stack.popLast() {
                size += 1
                let y = p / width, x = p % width
                for dy in -1...1 {
                    let ny = y + dy
                    guard ny >= 0, ny < height else { continue }
                    for dx in -1...1 where dx != 0 || dy != 0 {
                        let nx = x + dx
                        guard nx >= 0, nx < width else { continue }
                        let q = ny * width + nx
                        if image[q] == foreground && labels[q] == 0 { labels[q] = id; stack.append(q) }
                    }
                }
            }
            sizes.append(size)
        }
        return (labels, sizes)
    }
}
