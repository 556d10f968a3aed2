import TensorCore

/// Assembles the physical polarization channels as a `ChannelImage`.
public enum PolarizationChannels {
    /// `[S0, DoLP, AoLP]` per colour: channel order S0 (all colours), DoLP (all colours), AoLP (all colours).
    /// - Parameters:
    ///   - angleImages: `[4, H, W]` or `[4, C, H, W]` intensities at 0°, 45°, 90°, 135°.
    ///   - unit: unit of the intensities (S0 inherits it), e.g. `"counts"`.
    ///   - colourNames: names of the C colour planes (default none for C = 1, else R, G, B…).
    /// - Returns: `[3C, H, W]` with S0 as `.intensity`, DoLP as `.intensity` (unit "1", S0 ≤ 0 → 0) and AoLP as
    ///   `.angle(period: π)` in radians, [0, π).
    public static func image(angleImages: Tensor, unit: String = "counts", colourNames: [String]? = nil) throws -> ChannelImage {
        let s = angleImages.shape
        guard s.first == 4, s.count == 3 || s.count == 4 else {
            throw PhysicsTransformError.shape(field: "angle images", expected: "[4, H, W] or [4, C, H, W]", got: s)
        }
        let c = s.count == 4 ? s[1] : 1, h = s[s.count - 2], w = s[s.count - 1]
        let names = colourNames ?? (c == 1 ? [""] : Array(["R", "G", "B"].prefix(c)) + (c > 3 ? (3..<c).map { "c\($0)" } : []))
        guard names.count == c else {
            throw PhysicsTransformError.shape(field: "colour names", expected: "\(c) names", got: [names.count])
        }
        // One pass, straight into the channel planes: the per-pixel math of LinearStokes.polarimetry
        // without storing S1 and S2.
        let plane = c * h * w
        let values = angleImages.withUnsafeBufferPointer { a in
            Tensor(shape: [3 * c, h, w]) { out in
                let o = out.baseAddress!
                PolarizationKernels.polarimetry(angles: a.baseAddress!, s0: o, s1s2: nil, dolp: o + plane, aolp: o + 2 * plane,
                                                count: plane)
            }
        }
        func suffix(_ n: String) -> String { n.isEmpty ? "" : " \(n)" }
        let descriptors = names.map { ChannelDescriptor(name: "S0" + suffix($0), unit: unit, kind: .intensity) }
            + names.map { ChannelDescriptor(name: "DoLP" + suffix($0), unit: "1", kind: .intensity) }
            + names.map { ChannelDescriptor(name: "AoLP" + suffix($0), unit: "rad", kind: .angle(period: .pi)) }
        return ChannelImage(values: values, channels: descriptors)
    }
}
