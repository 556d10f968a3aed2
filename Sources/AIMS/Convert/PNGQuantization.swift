import Modalities

/// How one channel becomes integer PNG codes: physical = code × `scale` + `offset`, or a CT window.
/// Invalid pixels get code 0 (with a valid mask, 0 means nothing else only where the mask says so).
public struct PNGQuantization: Sendable, Equatable {
    public var scale: Double
    public var offset: Double
    /// When set, codes are `window.apply(value) × maxCode` (HU clipped to the window) instead of the linear map.
    public var window: CTWindow?
    /// 255 or 65535.
    public var maxCode: Double

    /// The quantisation of a channel of `kind` (`ChannelFileMetadata.Channel.kind`) with finite values `values`:
    /// - temperature: centikelvin (scale 0.01, offset −273.15: −273.15 … 382.2 °C);
    /// - depth: millimetres (scale 0.001: 0 … 65.535 m);
    /// - hounsfield: `window` if given, else HU + 32768 (scale 1, offset −32768);
    /// - angle: period / maxCode (0 … period);
    /// - mask and label, and any channel whose values are integers in 0…maxCode: as stored (scale 1);
    /// - otherwise the image's own range: offset = min, scale = (max − min) / maxCode.
    /// With 8 bits, the fixed scales above are replaced by the image's own range (except windows and masks).
    public static func choose(kind: String, period: Double?, values: [Float], bits: Int, window: CTWindow?) -> PNGQuantization {
        let maxCode = bits == 8 ? 255.0 : 65535.0
        if kind == "hounsfield", let window { return PNGQuantization(scale: 1, offset: 0, window: window, maxCode: maxCode) }
        if bits == 16 {
            switch kind {
            case "temperature": return PNGQuantization(scale: 0.01, offset: -273.15, window: nil, maxCode: maxCode)
            case "depth": return PNGQuantization(scale: 0.001, offset: 0, window: nil, maxCode: maxCode)
            case "hounsfield": return PNGQuantization(scale: 1, offset: -32768, window: nil, maxCode: maxCode)
            case "angle": return PNGQuantization(scale: (period ?? .pi) / maxCode, offset: 0, window: nil, maxCode: maxCode)
            default: break
            }
        }
        let finite = values.filter(\.isFinite)
        let lo = Double(finite.min() ?? 0), hi = Double(finite.max() ?? 0)
        if kind == "mask" || kind == "label" || (lo >= 0 && hi <= maxCode && finite.allSatisfy { $0 == $0.rounded() }) {
            return PNGQuantization(scale: 1, offset: 0, window: nil, maxCode: maxCode)
        }
        return PNGQuantization(scale: hi > lo ? (hi - lo) / maxCode : 1, offset: lo, window: nil, maxCode: maxCode)
    }

    /// The code of `v` (non-finite → 0), rounded half up, clamped to 0…maxCode.
    public func code(_ v: Float) -> Float {
        guard v.isFinite else { return 0 }
        let x = window.map { $0.apply(Double(v)) * maxCode } ?? (Double(v) - offset) / scale
        return Float(min(max((x + 0.5).rounded(.down), 0), maxCode))
    }
}
