import TensorCore

/// A display window on modality values (DICOM VOI LUT, linear function of PS3.3 C.11.2.1.2.1), mapping
/// to [0, 1]: values ≤ c − ½ − (w − 1)/2 give 0, values > c − ½ + (w − 1)/2 give 1, and in between
/// `((x − (c − ½)) / (w − 1) + ½)`.
public struct CTWindow: Sendable, Equatable, Hashable, Codable {
    /// Short name used in channel names, e.g. `"brain"`.
    public var name: String
    /// Window centre and width in modality units (HU for CT). Width ≥ 1.
    public var center: Double
    public var width: Double

    public init(name: String, center: Double, width: Double) {
        precondition(width >= 1, "CTWindow: width must be >= 1, got \(width)")
        self.name = name
        self.center = center
        self.width = width
    }

    /// Common CT presets (HU).
    public static let brain = CTWindow(name: "brain", center: 40, width: 80)
    public static let subdural = CTWindow(name: "subdural", center: 75, width: 215)
    public static let softTissue = CTWindow(name: "soft tissue", center: 40, width: 400)
    public static let lung = CTWindow(name: "lung", center: -600, width: 1500)
    public static let bone = CTWindow(name: "bone", center: 400, width: 1800)
    public static let presets: [CTWindow] = [.brain, .subdural, .softTissue, .lung, .bone]

    /// The windowed value of `x`, in [0, 1].
    @inlinable public func apply(_ x: Double) -> Double {
        let c = center - 0.5, half = (width - 1) / 2
        if x <= c - half { return 0 }
        if x > c + half { return 1 }
        return (x - c) / (width - 1) + 0.5
    }

    /// Elementwise `apply`, any shape.
    public func apply(_ t: Tensor) -> Tensor {
        t.withUnsafeBufferPointer { src in Tensor(shape: t.shape) { out in for i in 0..<src.count { out[i] = Float(apply(Double(src[i]))) } } }
    }

    /// MedSAM's pre-processing of CT (`pre_CT_MR.py`), which LiteMedSAM was trained on: clip to
    /// `[center − width/2, center + width/2]`, rescale by the clipped image's own minimum and maximum
    /// to 0…255, and truncate to integers (as NumPy's `astype(np.uint8)`). A constant image gives 0.
    public func medSAMIntensities(_ t: Tensor) -> Tensor {
        let lo = center - width / 2, hi = center + width / 2
        return t.withUnsafeBufferPointer { src in
            // In Double and in NumPy's order: (x − min) / (max − min) · 255, then truncation.
            var mn = Double.infinity, mx = -Double.infinity
            for v in src { let c = Swift.min(Swift.max(Double(v), lo), hi); mn = Swift.min(mn, c); mx = Swift.max(mx, c) }
            return Tensor(shape: t.shape) { out in
                for i in 0..<src.count {
                    let c = Swift.min(Swift.max(Double(src[i]), lo), hi)
                    out[i] = mx > mn ? Float(((c - mn) / (mx - mn) * 255).rounded(.towardZero)) : 0
                }
            }
        }
    }
}
