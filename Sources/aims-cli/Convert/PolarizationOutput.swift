import Foundation
import ImageIO

/// The channels `aims convert polarization` can write, their names in the plugin's output, and how each is
/// quantised for 16-bit PNG.
enum PolarizationOutputChannel: String, CaseIterable {
    case s0, dolp, aolp, cos2aolp, sin2aolp

    /// The descriptor name (before any colour suffix) in `PolarizationModality`'s output.
    var descriptorName: String {
        switch self {
        case .s0: return "S0"
        case .dolp: return "DoLP"
        case .aolp: return "AoLP"
        case .cos2aolp: return "cos 2AoLP"
        case .sin2aolp: return "sin 2AoLP"
        }
    }

    /// 16-bit PNG code of a value: S0 in counts (rounded, saturated at 65535), DoLP × 65535 (clamped to [0, 1]),
    /// AoLP / π × 65535, cos/sin (v + 1) / 2 × 65535; all rounded half up.
    func pngCode(_ v: Float) -> Float {
        let x: Double
        switch self {
        case .s0: x = Double(v)
        case .dolp: x = min(max(Double(v), 0), 1) * 65535
        case .aolp: x = Double(v) / .pi * 65535
        case .cos2aolp, .sin2aolp: x = (Double(v) + 1) / 2 * 65535
        }
        return Float(min(max((x + 0.5).rounded(.down), 0), 65535))
    }

    static func parse(_ list: String) throws -> [PolarizationOutputChannel] {
        let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard !names.isEmpty else { throw UsageError(message: "--channels is empty") }
        return try names.map { n in
            guard let c = PolarizationOutputChannel(rawValue: n) else {
                throw UsageError(message: "--channels: unknown channel '\(n)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return c
        }
    }
}

/// Output file formats of `aims convert`.
enum ConvertFormat: String, CaseIterable {
    /// One float32 TIFF per input, one sample per channel.
    case tiff
    /// One 16-bit grey PNG per input and channel (`<name>_<channel>.png`), quantised as `PolarizationOutputChannel.pngCode`.
    case png
    /// One float32 `[C, H, W]` NPY per input.
    case npy

    var fileExtension: String { self == .tiff ? "tif" : rawValue }
}
