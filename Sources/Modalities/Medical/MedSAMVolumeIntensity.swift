import TensorCore

/// MedSAM's pre-processing of a whole 3-D volume to 0…255 (`pre_CT_MR.py`, which produced the data LiteMedSAM was
/// trained on), applied once per volume so that every slice shares one intensity scale (`docs/REFERENCE.md §11.3`).
public enum MedSAMVolumeIntensity: Sendable, Equatable {
    /// CT: clip to the window, then the clipped volume's own minimum and maximum → 0…255 (`CTWindow.medSAMIntensities`).
    case ctWindow(CTWindow)
    /// MR and other modalities: clip to the 0.5th and 99.5th percentiles of the voxels > 0 (NumPy's linear
    /// interpolation), the clipped volume's minimum and maximum → 0…255, voxels that were 0 set to 0. A volume
    /// without positive voxels (MedSAM would fail) is min–max scaled instead.
    case percentiles

    /// `values` (any shape, modality units) → integers in 0…255 (truncated as NumPy's `astype(np.uint8)`), same shape.
    public func apply(_ values: Tensor) -> Tensor {
        switch self {
        case .ctWindow(let w): return w.medSAMIntensities(values)
        case .percentiles: return MedSAMVolumeIntensity.percentileScaled(values)
        }
    }

    /// How the values were mapped, for reports.
    public var summary: String {
        switch self {
        case .ctWindow(let w): return "MedSAM CT window \(w.center)/\(w.width) HU, per volume, to 0-255"
        case .percentiles: return "MedSAM percentiles 0.5-99.5 of voxels > 0, per volume, to 0-255"
        }
    }

    static func percentileScaled(_ t: Tensor) -> Tensor {
        t.withUnsafeBufferPointer { src in
            let positive = src.filter { $0 > 0 }.map(Double.init).sorted()
            let lo: Double, hi: Double
            if positive.isEmpty {
                lo = Double(src.min() ?? 0)
                hi = Double(src.max() ?? 0)
            } else {
                lo = percentile(positive, 0.5)
                hi = percentile(positive, 99.5)
            }
            var mn = Double.infinity, mx = -Double.infinity
            for v in src { let c = Swift.min(Swift.max(Double(v), lo), hi); mn = Swift.min(mn, c); mx = Swift.max(mx, c) }
            return Tensor(shape: t.shape) { out in
                for i in 0..<src.count {
                    let c = Swift.min(Swift.max(Double(src[i]), lo), hi)
                    let scaled = mx > mn ? ((c - mn) / (mx - mn) * 255).rounded(.towardZero) : 0
                    out[i] = !positive.isEmpty && src[i] == 0 ? 0 : Float(scaled)
                }
            }
        }
    }

    /// NumPy's `percentile(sorted, p)` with the default linear method (its `_lerp`, exact at both ends).
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        let position = p / 100 * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), t = position - Double(below)
        guard below + 1 < sorted.count else { return sorted[sorted.count - 1] }
        let a = sorted[below], b = sorted[below + 1], diff = b - a
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
    }
}
