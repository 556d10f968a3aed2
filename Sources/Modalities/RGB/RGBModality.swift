import Foundation
import ImageIO
import Transforms

/// Colour photographs (PNG, TIFF or PNM; 8 or 16 bits): channels R, G, B scaled to [0, 1] (stored value /
/// 255 or / 65535), kind `.intensity`. An alpha channel is dropped; grey images are refused.
public struct RGBModality: Modality {
    public var identifier: String
    public var layout: SampleLayout

    /// - Parameters:
    ///   - pattern: where a sample's image is, default `rgb/{id}.*`.
    ///   - label: where its label map is, default `labels/{id}.*`.
    public init(identifier: String = "rgb", pattern: String = "rgb/{id}.*", label: String? = "labels/{id}.*") throws {
        self.identifier = identifier
        layout = try .single(pattern, field: "rgb pattern", label: label, file: identifier)
    }

    public var summary: String { "colour image (PNG/TIFF/PNM, 8/16-bit) -> R, G, B in [0, 1]" }

    public var channels: [ChannelDescriptor] {
        ["R", "G", "B"].map { ChannelDescriptor(name: $0, unit: "1", kind: .intensity) }
    }

    /// SAM's ImageNet constants (pixel_mean/std of `build_sam.py`) divided by 255.
    public var normalization: NormalizationConstants? {
        NormalizationConstants(mean: [123.675 / 255, 116.28 / 255, 103.53 / 255], std: [58.395 / 255, 57.12 / 255, 57.375 / 255],
                               source: "SAM pixel_mean/pixel_std / 255 (ImageNet)")
    }

    public func samples(in root: URL) throws -> [SampleFiles] { try layout.samples(in: root) }

    public func decode(_ sample: SampleFiles, root: URL) throws -> ChannelImage {
        guard sample.inputs.count == 1 else { throw ModalityError.inputCount(sample: sample.id, expected: 1, got: sample.inputs.count) }
        let path = sample.inputs[0]
        let raw = try SourceFiles.image(path, root: root, sample: sample.id)
        guard raw.channels == 3 || raw.channels == 4 else {
            throw ModalityError.invalidContent(file: path, field: "channels", expected: "3 (RGB) or 4 (RGBA)", got: "\(raw.channels)")
        }
        let values = ImageScaling.unitRange(raw).slice(axis: 0, 0..<3)
        return ChannelImage(values: values, channels: channels)
    }
}
