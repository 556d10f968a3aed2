import Foundation

/// One row of SimCMF's AIMS table as `aims benchmark` reproduces it: the modality (its reader, as the reference
/// reads the public dataset), the dataset's folder convention written by `aims synth`, and the physical cue of the
/// scenes it is benchmarked on.
public struct BenchmarkModality: Sendable, Equatable {
    /// The modality identifier (`aims modalities`), also the folder name of its runs.
    public var id: String
    /// The paper's name of the row.
    public var name: String
    /// The dataset layout of `aims build --dataset`.
    public var dataset: String
    /// The dataset's root, relative to its cue's data folder (`data/<cue>/`).
    public var root: String
    public var cue: SynthCue

    /// The ten rows, in the paper's order: polarization as ZJU-RGBP's nine channels and as PGSNet's AoLP + DoLP
    /// (both from the same scenes), depth, HHA, RGB-D, RGB-HHA, NIR, RGB-NIR, thermal, RGB-T.
    public static let all: [BenchmarkModality] = [
        .init(id: "zju-rgbp", name: "RGB-P (ZJU-RGBP, 4 angles × RGB)", dataset: "zju-rgbp", root: "zju-rgbp", cue: .polarization),
        .init(id: "pgsnet_p", name: "AoLP + DoLP (PGSNet)", dataset: "pgsnet", root: "PGSNet", cue: .polarization),
        .init(id: "d", name: "depth (NYUDv2)", dataset: "nyudepthv2", root: "NYUDepthv2", cue: .depth),
        .init(id: "hha", name: "HHA (NYUDv2)", dataset: "nyudepthv2", root: "NYUDepthv2", cue: .depth),
        .init(id: "rgbd", name: "RGB-D (NYUDv2)", dataset: "nyudepthv2", root: "NYUDepthv2", cue: .depth),
        .init(id: "rgbhha", name: "RGB-HHA (NYUDv2)", dataset: "nyudepthv2", root: "NYUDepthv2", cue: .depth),
        .init(id: "nir-ivrg", name: "NIR (IVRG RGB-NIR)", dataset: "ivrg-rgbnir", root: "IVRG_RGBNIR", cue: .nir),
        .init(id: "rgbnir", name: "RGB-NIR (IVRG RGB-NIR)", dataset: "ivrg-rgbnir", root: "IVRG_RGBNIR", cue: .nir),
        .init(id: "t", name: "thermal (RGB-T glass)", dataset: "rgb-thermal-glass", root: "RGB-Thermal-Glass", cue: .thermal),
        .init(id: "rgbt", name: "RGB-T (RGB-T glass)", dataset: "rgb-thermal-glass", root: "RGB-Thermal-Glass", cue: .thermal),
    ]

    /// The row of `id`.
    /// - Throws: `BenchmarkError.unknownModality` listing the known ones.
    public static func named(_ id: String) throws -> BenchmarkModality {
        guard let m = all.first(where: { $0.id == id }) else { throw BenchmarkError.unknownModality(id, known: all.map(\.id)) }
        return m
    }

    /// The folder conventions `aims synth` writes for a cue's dataset.
    static func conventions(_ cue: SynthCue) -> [SynthConvention] {
        switch cue {
        case .polarization: return [.zju, .pgsnet]
        case .depth: return [.nyu]
        case .nir: return [.ivrg]
        case .thermal: return [.thermal]
        }
    }

    /// The paper's headline (SimCMF, AIMS table): mean test mIoU over its modalities on the real datasets, in percent.
    public static let paperZeroShotMean = 22.15, paperSimCMFMean = 53.88
}

/// Errors of `aims benchmark` that are not a step's own.
public enum BenchmarkError: Error, LocalizedError, Equatable {
    case unknownModality(String, known: [String])
    case settingsDiffer(folder: String, recorded: String, requested: String)
    case noNoiseChannels(modality: String)
    case unsupportedNoiseFile(file: String)

    public var errorDescription: String? {
        switch self {
        case let .unknownModality(id, known): return "--modalities: unknown modality \(id) (expected some of \(known.joined(separator: ", ")))"
        case let .settingsDiffer(folder, recorded, requested):
            return "\(folder): holds a benchmark run with other settings (\(recorded); asked for \(requested)); pass --force to replace it or choose another --out"
        case let .noNoiseChannels(modality): return "--control \(modality): the modality has no RGB channels next to its other channels (expected an RGB-X modality)"
        case let .unsupportedNoiseFile(file): return "\(file): the noise control replaces PNG or NPY files only"
        }
    }
}
