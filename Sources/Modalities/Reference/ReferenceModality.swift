import Foundation
import ImageIO
import TensorCore
import Transforms

/// A modality of the SimCMF reference (`dataset.py`, docs/REFERENCE.md §7) that has no physical built-in: the
/// inputs of a sample are read one `ReferencePlane` each, in order, and concatenated on the channel axis.
/// Values are the reference's (`ToTensor`: uint8 / 255), and `normalization` holds its
/// `global_settings.py` constants. Labels: the first channel of the label image, as stored.
///
/// `samples(in:)` finds files by the patterns given here (one per input, plus the label); the official
/// train/test lists and path quirks of each dataset are read by the AIMS dataset layouts (`aims build`).
public struct ReferenceModality: Modality {
    public let identifier: String
    public let summary: String
    /// How each input file is read, in `SampleFiles.inputs` order.
    public let planes: [ReferencePlane]
    public let layout: SampleLayout
    public let normalization: NormalizationConstants?

    public init(identifier: String, summary: String, planes: [ReferencePlane], patterns: [String], label: String,
                mean: [Double], std: [Double]) {
        precondition(planes.count == patterns.count, "ReferenceModality: one pattern per plane")
        self.identifier = identifier
        self.summary = summary
        self.planes = planes
        layout = SampleLayout(inputs: patterns.enumerated().map { try! SamplePattern($1, field: "patterns[\($0)]", file: identifier) },
                              label: try! SamplePattern(label, field: "label", file: identifier))
        normalization = NormalizationConstants(mean: mean, std: std, source: "SimCMF global_settings.py, \(identifier)")
    }

    public var channels: [ChannelDescriptor] { planes.flatMap(\.channels) }

    public func samples(in root: URL) throws -> [SampleFiles] { try layout.samples(in: root) }

    public func decode(_ sample: SampleFiles, root: URL) throws -> ChannelImage {
        guard sample.inputs.count == planes.count else {
            throw ModalityError.inputCount(sample: sample.id, expected: planes.count, got: sample.inputs.count)
        }
        var parts: [Tensor] = []
        for (plane, path) in zip(planes, sample.inputs) {
            let t = try plane.read(path, root: root, sample: sample.id)
            if let first = parts.first, Array(first.shape.dropFirst()) != Array(t.shape.dropFirst()) {
                throw ModalityError.shapeMismatch(file: path, field: "image size", expected: Array(first.shape.dropFirst()),
                                                  got: Array(t.shape.dropFirst()))
            }
            parts.append(t)
        }
        let values = parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0)
        return ChannelImage(values: values, channels: channels)
    }
}

extension ReferenceModality {
    private static let imagenetMean = [123.675 / 255, 116.28 / 255, 103.53 / 255]
    private static let imagenetStd = [58.395 / 255, 57.12 / 255, 57.375 / 255]
    private static let depth = ReferencePlane.minMaxTruncated(name: "D", kind: .intensity, unit: "1")
    private static let temperature = ReferencePlane.minMaxTruncated(name: "T", kind: .intensity, unit: "1")
    private static let rgb = ReferencePlane.colour(names: ["R", "G", "B"])
    private static let hha = ReferencePlane.colour(names: ["HHA disparity", "HHA height", "HHA angle"])
    private static let pgsAoLP = ReferencePlane.colour(names: ["AoLP R", "AoLP G", "AoLP B"])
    private static let pgsDoLP = ReferencePlane.colour(names: ["DoLP R", "DoLP G", "DoLP B"])
    private static let pgsMean = [0.20545432, 0.21862635, 0.15604725, 0.47199312, 0.4637443, 0.48603472, 0.102636375, 0.10431647, 0.11925355]
    private static let pgsStd = [0.19210099, 0.20711783, 0.18405455, 0.28202084, 0.28334478, 0.25937688, 0.11682395, 0.118849464, 0.12313089]

    /// The reference modalities: `pgsnet_rgbp`, `pgsnet_p`, `rgbd`, `d`, `hha`, `rgbhha`, `nir-ivrg` (the
    /// reference's `nir`, renamed because `nir` is the physical built-in), `rgbnir`, `t`, `rgbt`.
    public static var all: [ReferenceModality] {
        let pgsPatterns = ["*/image/{id}_rgb.tiff", "*/aolp/{id}_aolp.tiff", "*/dolp/{id}_dolp.tiff"]
        let pgsLabel = "*/instance_mask/{id}_instance_mask.png"
        return [
            ReferenceModality(identifier: "pgsnet_rgbp", summary: "PGSNet RGB + AoLP + DoLP, three 8-bit TIFFs / 255 (SimCMF)",
                              planes: [rgb, pgsAoLP, pgsDoLP], patterns: pgsPatterns, label: pgsLabel, mean: pgsMean, std: pgsStd),
            ReferenceModality(identifier: "pgsnet_p", summary: "PGSNet AoLP + DoLP, two 8-bit TIFFs / 255 (SimCMF)",
                              planes: [pgsAoLP, pgsDoLP], patterns: Array(pgsPatterns.dropFirst()), label: pgsLabel,
                              mean: Array(pgsMean.dropFirst(3)), std: Array(pgsStd.dropFirst(3))),
            ReferenceModality(identifier: "rgbd", summary: "NYUDv2 RGB / 255 + depth min-max to uint8 (truncated) / 255 (SimCMF)",
                              planes: [rgb, depth], patterns: ["RGB/{id}.*", "Depth/{id}.npy"], label: "Mask_gt/{id}.png",
                              mean: imagenetMean + [114.495 / 255], std: imagenetStd + [57.63 / 255]),
            ReferenceModality(identifier: "d", summary: "NYUDv2 depth min-max to uint8 (truncated) / 255 (SimCMF)",
                              planes: [depth], patterns: ["Depth/{id}.npy"], label: "Mask_gt/{id}.png", mean: [114.495 / 255], std: [57.63 / 255]),
            ReferenceModality(identifier: "hha", summary: "NYUDv2 precomputed 8-bit HHA / 255 (SimCMF)",
                              planes: [hha], patterns: ["HHA/{id}.*"], label: "Mask_gt/{id}.png", mean: imagenetMean, std: imagenetStd),
            ReferenceModality(identifier: "rgbhha", summary: "NYUDv2 RGB / 255 + HHA / 255 (SimCMF)",
                              planes: [rgb, hha], patterns: ["RGB/{id}.*", "HHA/{id}.*"], label: "Mask_gt/{id}.png",
                              mean: imagenetMean + imagenetMean, std: imagenetStd + imagenetStd),
            ReferenceModality(identifier: "nir-ivrg", summary: "IVRG RGB-NIR: NIR as Pillow convert('L') / 255 (SimCMF's nir)",
                              planes: [.luma(name: "NIR")], patterns: ["*/NIRimages/{id}_nir.*"], label: "*/masks/{id}.*",
                              mean: [0.5038126], std: [0.20589863]),
            ReferenceModality(identifier: "rgbnir", summary: "IVRG RGB-NIR: RGB / 255 + NIR convert('L') / 255 (SimCMF)",
                              planes: [rgb, .luma(name: "NIR")], patterns: ["*/RGBimages/{id}_rgb.*", "*/NIRimages/{id}_nir.*"],
                              label: "*/masks/{id}.*",
                              mean: [0.43030727, 0.43242943, 0.41996416, 0.5038126], std: [0.25075516, 0.24733004, 0.26631436, 0.20589863]),
            ReferenceModality(identifier: "t", summary: "RGB-Thermal-Glass: temperature.npy min-max to uint8 (truncated) / 255 (SimCMF)",
                              planes: [temperature], patterns: ["*/{id}temperature.npy"], label: "*/{id}mask.png",
                              mean: [0.35632825], std: [0.21658015]),
            ReferenceModality(identifier: "rgbt", summary: "RGB-Thermal-Glass: RGB / 255 + temperature min-max (truncated) / 255 (SimCMF)",
                              planes: [rgb, temperature], patterns: ["*/{id}rgb.png", "*/{id}temperature.npy"], label: "*/{id}mask.png",
                              mean: [0.37960503, 0.39143142, 0.3845801, 0.35632825], std: [0.22783901, 0.2329615, 0.2352449, 0.21658015]),
        ]
    }
}
