import Foundation
import ImageIO
import Modalities
import TensorCore

/// One picture per channel of one sample, for the report: each channel as the modality decodes it (physical
/// units) stretched min–max to 8-bit grey, and the label map in the evaluation palette.
enum ChannelSamples {
    struct Picture: Codable, Sendable {
        /// The channel's name and unit, e.g. `DoLP R (1)`.
        var title: String
        /// Relative to the benchmark's folder.
        var file: String
        /// The channel's range in its unit, as stretched.
        var minimum: Double
        var maximum: Double
    }

    /// Writes `samples/<id>/<k>.png` for every channel of the first test sample of `manifest`, and `labels.png`.
    static func write(manifest: URL, out: URL, folder: String) throws -> [Picture] {
        let selection = try ManifestSelection.load(manifest.path, data: nil, modality: nil, plugin: nil)
        let ids = selection.manifest.ids(ofSplit: "test") ?? []
        guard let id = ids.first, let sample = selection.samples.first(where: { $0.id == id }) else { return [] }
        let image = try selection.modality.decode(sample, root: selection.root)
        let dir = out.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var pictures: [Picture] = []
        for (k, channel) in image.channels.enumerated() {
            let plane = image.values.slice(axis: 0, k..<(k + 1))
            let values = plane.scalars
            let grey = MaskPictures.stretchedPlanes(Tensor.concat([plane, plane, plane], axis: 0))
            let file = "\(folder)/\(k).png"
            try PNGCodec.write(RawImage(tensor: grey.slice(axis: 0, 0..<1), dtype: .uint8), to: out.appendingPathComponent(file))
            pictures.append(Picture(title: "\(channel.name) (\(channel.unit))", file: file, minimum: Double(values.min() ?? 0),
                                    maximum: Double(values.max() ?? 0)))
        }
        if let labels = try selection.modality.label(sample, root: selection.root) {
            let (h, w) = (labels.shape[labels.rank - 2], labels.shape[labels.rank - 1])
            var picture = Tensor(shape: [3, h, w], values: [Float](repeating: 0, count: 3 * h * w))
            MaskPictures.blendLabels(&picture, labels: labels.reshaped([1, h, w]), palette: EvaluationOverlays.palette)
            let file = "\(folder)/labels.png"
            try PNGCodec.write(RawImage(tensor: picture, dtype: .uint8), to: out.appendingPathComponent(file))
            pictures.append(Picture(title: "ground truth (\(sample.id))", file: file, minimum: 0, maximum: 0))
        }
        return pictures
    }
}
