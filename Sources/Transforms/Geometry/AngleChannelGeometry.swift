import Foundation

/// How an angle channel (`ChannelKind.angle(period: P)`) changes under the geometric transforms.
///
/// Convention: an angle θ names the direction `(cos θ, sin θ)` in image coordinates, x to the
/// right and y **down** (so 45° points down-right on screen), and θ and θ + P name the same thing
/// (AoLP: P = π, an axis; a full direction: P = 2π). Mapping the direction vector through the
/// transform gives:
///
/// | transform | point map (W, H = input size) | direction map | angle rule |
/// |---|---|---|---|
/// | horizontal flip (mirror about a vertical axis) | x → W − x | (dx, dy) → (−dx, dy) | θ → (π − θ) mod P |
/// | vertical flip | y → H − y | (dx, dy) → (dx, −dy) | θ → −θ mod P |
/// | 90° counter-clockwise on screen (`torch.rot90(k=1, dims=[-2,-1])`) | (x, y) → (y, W − x) | (dx, dy) → (dy, −dx) | θ → (θ − π/2) mod P |
/// | 90° clockwise on screen (k = 3) | (x, y) → (H − y, x) | (dx, dy) → (−dy, dx) | θ → (θ + π/2) mod P |
///
/// For P dividing π (AoLP, P = π) the mirror rule is θ → −θ mod P and both rotation directions
/// give θ + π/2 mod π, so the result does not depend on whether the camera measured its angle
/// towards +y or −y. For P = 2π it does: the table assumes angles measured from +x towards +y.
/// Note that a quarter turn shifts the angle by π/2 (a physical 90°), i.e. P/2 for AoLP — not P/4.
public enum AngleChannelGeometry {
    /// `θ` wrapped into `[0, P)` (Float rounding that would give exactly P gives 0).
    public static func wrap(_ theta: Double, period: Double) -> Double {
        var r = theta.truncatingRemainder(dividingBy: period)
        if r < 0 { r += period }
        if r >= period { r -= period }
        return r
    }

    /// The angle after a horizontal flip (x → W − x).
    public static func horizontalFlip(_ theta: Double, period: Double) -> Double { wrap(Double.pi - theta, period: period) }

    /// The angle after a vertical flip (y → H − y).
    public static func verticalFlip(_ theta: Double, period: Double) -> Double { wrap(-theta, period: period) }

    /// The angle after `quarterTurns` counter-clockwise (on screen) rotations by 90°.
    public static func rotate90(_ theta: Double, period: Double, quarterTurns: Int) -> Double {
        let k = ((quarterTurns % 4) + 4) % 4
        return wrap(theta - Double(k) * Double.pi / 2, period: period)
    }

    /// The angle whose doubled-angle encoding is `(c, s)`: `atan2(s, c)·P/(2π)` in `[0, P)`
    /// (0 where `c = s = 0`, an undefined mean orientation).
    @inline(__always)
    static func decode(cosine c: Float, sine s: Float, period: Double) -> Float {
        let a = atan2(Double(s), Double(c)) * period / (2 * Double.pi)
        let w = a < 0 ? a + period : a
        let f = Float(w)
        return f >= Float(period) || w >= period ? 0 : f
    }
}
