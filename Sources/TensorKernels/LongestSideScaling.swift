/// segment-anything's longest-side rule (`ResizeLongestSide.get_preprocess_shape` and
/// `apply_coords`): the arithmetic shared by SAM's pre-processing (`SAMResizeLongestSide` in
/// `Sources/SimCMF/SAM/Processing/`) and the channel transform (`ChannelResizeLongestSide` in
/// `Sources/Transforms/Geometry/`), kept in one place so both round exactly as the reference.
public enum LongestSideScaling {
    /// The `(height, width)` an `height × width` image is resized to so that its longer side becomes
    /// `longestSide`: each side `int(side · scale + 0.5)` with `scale = longestSide / max(H, W)`,
    /// computed in double precision like Python.
    public static func targetSize(height: Int, width: Int, longestSide: Int) -> (height: Int, width: Int) {
        let scale = Double(longestSide) / Double(Swift.max(height, width))
        return (Int(Double(height) * scale + 0.5), Int(Double(width) * scale + 0.5))
    }

    /// The factors `(x, y)` that take pixel coordinates of the `height × width` image to those of its
    /// resized copy: `new_w / old_w` and `new_h / old_h` of the rounded `targetSize`, as `apply_coords`.
    public static func coordinateScale(height: Int, width: Int, longestSide: Int) -> (x: Double, y: Double) {
        let (nh, nw) = targetSize(height: height, width: width, longestSide: longestSide)
        return (Double(nw) / Double(width), Double(nh) / Double(height))
    }
}
