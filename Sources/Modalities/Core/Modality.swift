import Foundation
import ImageIO
import TensorCore
import Transforms

/// The files that make up one sample of a modality inside a dataset folder, relative to its root.
public struct SampleFiles: Sendable, Equatable, Codable {
    /// Sample identifier, unique within a split (e.g. the file stem).
    public var id: String
    /// Input files in the order the modality's `decode` expects.
    public var inputs: [String]
    /// The label map, if the sample has one.
    public var label: String?
    /// For a composite modality: each part's own sample, in part order (empty otherwise).
    public var parts: [SampleFiles]
    /// The frame or slice inside a multi-frame input (a FLIR SEQ frame, a volume slice) when each is its own sample;
    /// nil when the modality's configured one applies.
    public var frame: Int?

    public init(id: String, inputs: [String], label: String? = nil, parts: [SampleFiles] = [], frame: Int? = nil) {
        self.id = id
        self.inputs = inputs
        self.label = label
        self.parts = parts
        self.frame = frame
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        inputs = try c.decode([String].self, forKey: .inputs)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        parts = try c.decodeIfPresent([SampleFiles].self, forKey: .parts) ?? []
        frame = try c.decodeIfPresent(Int.self, forKey: .frame)
    }
}

/// Per-channel constants a normalisation transform subtracts and divides by: `(x − mean[c]) / std[c]`,
/// in the units of the modality's channels.
public struct NormalizationConstants: Sendable, Equatable, Codable {
    public var mean: [Double]
    public var std: [Double]
    /// Where the numbers come from, e.g. `"SimCMF global_settings.py, zju-rgbp"`.
    public var source: String

    public init(mean: [Double], std: [Double], source: String) {
        precondition(mean.count == std.count, "NormalizationConstants: \(mean.count) means, \(std.count) deviations")
        self.mean = mean
        self.std = std
        self.source = source
    }
}

/// A sensor modality plugin: it knows how to find a sample's files in a dataset folder and how to
/// decode them into a `ChannelImage` in physical units. The model never learns which modality it
/// is fed; it sees only a channel count and tensors.
public protocol Modality: Sendable {
    /// Stable identifier used on the command line and in manifests, e.g. `"polarization"`.
    var identifier: String { get }
    /// One line for listings.
    var summary: String { get }
    /// The channels `decode` produces, in order (name, unit, kind).
    var channels: [ChannelDescriptor] { get }
    /// Finds the samples under `root` (sorted by id, so listings are reproducible).
    func samples(in root: URL) throws -> [SampleFiles]
    /// Decodes one sample into physical units: `[C, H, W]` with `C == channels.count`, plus a valid mask.
    func decode(_ sample: SampleFiles, root: URL) throws -> ChannelImage
    /// The sample's label map `[H, W]` (integer region ids, 0 = background), or nil when it has none.
    func label(_ sample: SampleFiles, root: URL) throws -> Tensor?
    /// Steps applied after `decode` by default (geometry, normalisation); may be empty.
    var defaultTransforms: [any ChannelTransform] { get }
    /// Default normalisation constants, when the plugin knows them for its output units; else nil.
    var normalization: NormalizationConstants? { get }
    /// How many input files one sample takes (`SampleFiles.inputs.count`); default 1.
    var filesPerSample: Int { get }
    /// The sample made of `files` (root-relative, in `decode` order, `filesPerSample` of them) when they are named
    /// directly rather than found by `samples(in:)`; default: the files as the inputs, no label.
    func sample(files: [String], id: String) throws -> SampleFiles
}

extension Modality {
    public var summary: String { identifier }
    public var defaultTransforms: [any ChannelTransform] { [] }
    public var normalization: NormalizationConstants? { nil }
    public var filesPerSample: Int { 1 }

    public func sample(files: [String], id: String) throws -> SampleFiles {
        guard files.count == filesPerSample else { throw ModalityError.inputCount(sample: id, expected: filesPerSample, got: files.count) }
        return SampleFiles(id: id, inputs: files)
    }

    /// The default label reader: the first channel of an image file (PNG, TIFF, PNM), values as stored.
    public func label(_ sample: SampleFiles, root: URL) throws -> Tensor? {
        guard let path = sample.label else { return nil }
        return try LabelMaps.read(path, root: root)
    }

    /// `decode` plus `label`, checked to share a pixel grid, as the input of a transform pipeline.
    public func transformSample(_ sample: SampleFiles, root: URL) throws -> TransformSample {
        let image = try decode(sample, root: root)
        let label = try self.label(sample, root: root)
        if let label, label.shape != [image.height, image.width] {
            throw ModalityError.shapeMismatch(file: sample.label ?? sample.id, field: "label",
                                              expected: [image.height, image.width], got: label.shape)
        }
        return TransformSample(image: image, label: label)
    }
}

/// Reading integer label maps from image files.
public enum LabelMaps {
    /// The first channel of the image at `root/path` as `[H, W]`, values as stored (region or class ids).
    public static func read(_ path: String, root: URL) throws -> Tensor {
        let values = try SourceFiles.image(path, root: root).toTensor()
        let h = values.shape[1], w = values.shape[2]
        return values.slice(axis: 0, 0..<1).reshaped([h, w])
    }
}
