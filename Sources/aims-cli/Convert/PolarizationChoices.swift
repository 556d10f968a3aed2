import Modalities
import Transforms

/// `--layout` of `aims convert polarization`: a sensor's superpixel layout by name.
enum PolarizationLayoutName: String, CaseIterable {
    case imx250mzr
    case imx250mzrLegacy = "imx250mzr-legacy"
    case imx250myr

    /// The 2×2 superpixel's polarizer angles.
    var mosaicLayout: PolarizerMosaicLayout { self == .imx250mzrLegacy ? .polanalyserLegacy : .sonyIMX250 }

    var capture: PolarizationModality.Capture {
        switch self {
        case .imx250mzr: return .monoMosaic(.sonyIMX250)
        case .imx250mzrLegacy: return .monoMosaic(.polanalyserLegacy)
        case .imx250myr: return .colourMosaic(.sonyIMX250)
        }
    }
}

/// `--method` of `aims convert polarization` and `aims bench convert`: a demosaicing interpolation by name.
enum DemosaicMethodName: String, CaseIterable {
    case bilinear, opencv, edge

    var method: PolarizationDemosaicMethod {
        switch self {
        case .bilinear: return .bilinear
        case .opencv: return .bilinearOpenCV
        case .edge: return .edgeDirected
        }
    }
}
