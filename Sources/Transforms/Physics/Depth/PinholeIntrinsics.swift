/// Pinhole camera intrinsics in pixels, with 0-based pixel coordinates: the centre of the top-left
/// pixel is (0, 0), so pixel (u, v) at depth Z back-projects to `((u − cx)·Z/fx, (v − cy)·Z/fy, Z)`.
/// (Intrinsics written for MATLAB's 1-based convention, as in Gupta's and NYUv2's code, have cx, cy larger by 1.)
public struct PinholeIntrinsics: Sendable, Equatable, Hashable, Codable {
    /// Focal lengths, pixels.
    public var fx: Double
    public var fy: Double
    /// Principal point, pixels (0-based).
    public var cx: Double
    public var cy: Double

    /// - Throws: `PhysicsTransformError.parameter` unless both focal lengths are positive and finite.
    public init(fx: Double, fy: Double, cx: Double, cy: Double) throws {
        guard fx > 0, fx.isFinite else { throw PhysicsTransformError.parameter(field: "fx", expected: "> 0 pixels", got: fx) }
        guard fy > 0, fy.isFinite else { throw PhysicsTransformError.parameter(field: "fy", expected: "> 0 pixels", got: fy) }
        self.fx = fx
        self.fy = fy
        self.cx = cx
        self.cy = cy
    }
}
