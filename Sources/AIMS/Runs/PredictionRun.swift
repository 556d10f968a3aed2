import Foundation
import Modalities
import SimCMF
import TensorCore
import Transforms

/// One sample to predict on: its files relative to `root`, as the run's modality decodes them.
public struct PredictionSample {
    public var root: URL
    public var files: SampleFiles
    public var id: String { files.id }
    /// The input files' paths.
    public var inputs: [String] { files.inputs.map { root.appendingPathComponent($0).path } }
}

/// A trained run applied to raw captures (`aims predict --run`): the run's modality decodes each sample's files
/// (physical units, as in training), the run's input side and normalisation constants prepare the model input
/// (`ModalityExampleSource.modelInputSteps`: kind-aware resize to S × S, normalise), and the model — alignment
/// included — is the checkpoint's (`TrainedModel`). Masks come back at the capture's own size: the low-resolution
/// logits `[M, M]` are resized bilinearly to `H × W` (the inverse of the stretch to S × S).
public struct PredictionRun {
    public let trained: TrainedModel
    public let modality: any Modality
    public let normalization: ChannelNormalization?
    public let model: any ScoredMaskDecoding
    /// The channels the run was trained on (recorded; the modality's own for runs recorded before that).
    public let channels: [ChannelDescriptor]

    public var record: RunRecord { trained.record }

    /// - Parameters:
    ///   - modality: decode samples with this registered modality (or JSON `plugin`) instead of the run's, e.g. a raw
    ///     colour mosaic (`zju-rgbp-mosaic`) for a run trained on ZJU-RGBP's four-angle images. Its channels must be
    ///     exactly the run's: the same count, names, units and kinds, in order.
    ///   - overrides: decoding settings applied to the modality (a mosaic layout, thermal conditions, a depth scale).
    /// - Throws: `TrainingRunError` (no run, changed files), `PredictionError.modalityChanged` when the run's modality's
    ///   channels are no longer those the run recorded, `PredictionError.modalityDoesNotFit` for a `modality` whose
    ///   channels differ from the run's, `ConversionError.optionNotApplicable` for an override nothing uses.
    public static func load(_ folder: URL, checkpoint: String?, modality other: String? = nil, plugin: String? = nil,
                            overrides: ModalityOverrides = ModalityOverrides()) throws -> PredictionRun {
        let record = try RunRecord.read(from: folder)
        let trained = try TrainedModel.load(folder, checkpoint: checkpoint, record: record, plugin: other == nil)
        // The run's own modality is read once: to decode with, and for runs recorded before `inputChannels`.
        let own = other == nil || record.inputChannels == nil ? try DatasetSelection.modality(record.modality, plugin: record.plugin) : nil
        let recorded = record.inputChannels ?? own!.channels
        let modality = try overrides.apply(to: other.map { try DatasetSelection.modality($0, plugin: plugin) } ?? own!)
        if other != nil {
            guard modality.channels.count == recorded.count else {
                throw PredictionError.modalityDoesNotFit(modality: modality.identifier, field: "channels",
                                                         expected: "\(recorded.count) (\(ChannelText.list(recorded)))",
                                                         got: "\(modality.channels.count) (\(ChannelText.list(modality.channels)))", run: folder.path)
            }
            if let d = ChannelText.firstDifference(modality.channels, expected: recorded) {
                throw PredictionError.modalityDoesNotFit(modality: modality.identifier, field: d.field, expected: d.expected, got: d.got, run: folder.path)
            }
        } else {
            guard modality.channels.count == record.channels else {
                throw TrainingRunError.channelMismatch(modality: modality.identifier, channels: modality.channels.count, run: folder.path,
                                                       modelChannels: record.channels)
            }
            if recorded != modality.channels {
                throw PredictionError.modalityChanged(modality: modality.identifier, field: "channels", recorded: ChannelText.list(recorded),
                                                      now: ChannelText.list(modality.channels), run: folder.path)
            }
        }
        guard let model = trained.model as? any ScoredMaskDecoding else { throw PredictionError.unsupportedModel(description: trained.description) }
        let normalization = try DatasetSelection.constants(means: record.means, standardDeviations: record.standardDeviations)
            .resolve(modality: modality, root: URL(fileURLWithPath: record.data), samples: [])
        return PredictionRun(trained: trained, modality: modality, normalization: normalization, model: model, channels: recorded)
    }

    /// The samples `paths` name, in order: a folder gives every sample the modality finds in it (its own discovery);
    /// consecutive files form samples of `filesPerSample` files each (e.g. RGB then depth for `rgb+depth`).
    public func samples(_ paths: [String]) throws -> [PredictionSample] {
        var out: [PredictionSample] = []
        for group in InputPathGroup.split(paths) {
            switch group {
            case .files(let files):
                let (root, samples) = try modality.samples(fromFiles: files.map { URL(fileURLWithPath: $0) })
                out += samples.map { PredictionSample(root: root, files: $0) }
            case .folder(let path):
                let root = URL(fileURLWithPath: path, isDirectory: true)
                let found = try modality.samples(in: root)
                guard !found.isEmpty else { throw PredictionError.noSamples(path: path, modality: modality.identifier) }
                out += found.map { PredictionSample(root: root, files: $0) }
            }
        }
        return out
    }

    /// The sample decoded by the run's modality, checked against what the run was trained on.
    /// - Throws: `PredictionError.sampleMismatch` naming the file and field (channel count, a channel's name, unit or
    ///   kind, the valid mask's shape, or the modality's own refusal of the file's content).
    public func decode(_ sample: PredictionSample) throws -> ChannelImage {
        let first = sample.inputs.first ?? sample.id
        func mismatch(_ file: String, _ field: String, _ expected: String, _ got: String) -> PredictionError {
            .sampleMismatch(sample: sample.id, file: file, field: field, expected: expected, got: got, run: trained.folder.path)
        }
        let image: ChannelImage
        do {
            image = try modality.decode(sample.files, root: sample.root)
        } catch let e as ModalityError {
            switch e {
            case let .invalidContent(file, field, expected, got):
                throw mismatch(sample.root.appendingPathComponent(file).path, field, expected, got)
            case let .shapeMismatch(file, field, expected, got):
                throw mismatch(sample.root.appendingPathComponent(file).path, field, "shape \(expected)", "\(got)")
            case let .inputCount(_, expected, got):
                throw mismatch(first, "input files", "\(expected) for modality \(modality.identifier)", "\(got)")
            default: throw e
            }
        }
        guard image.values.rank == 3, image.channelCount == channels.count else {
            throw mismatch(first, "channels", "\(channels.count) (\(ChannelText.list(channels)))", "\(image.values.shape)")
        }
        if let d = ChannelText.firstDifference(image.channels, expected: channels) { throw mismatch(first, d.field, d.expected, d.got) }
        if let mask = image.validMask, mask.shape != [image.height, image.width] {
            throw mismatch(first, "valid mask", "shape [\(image.height), \(image.width)]", "\(mask.shape)")
        }
        return image
    }

    /// The model input `[C, S, S]` for the window `crop` of `image` (all of it for the whole-image crop).
    public func input(_ image: ChannelImage, crop: CropBox) throws -> Tensor {
        var steps: [any ChannelTransform] = []
        if crop.x0 != 0 || crop.y0 != 0 || crop.width != image.width || crop.height != image.height {
            steps.append(Crop(top: crop.y0, left: crop.x0, height: crop.height, width: crop.width))
        }
        steps += ModalityExampleSource.modelInputSteps(inputSize: model.inputSize, normalization: normalization)
        var generator = SeededGenerator(seed: 0)   // the steps are deterministic
        return try TransformPipeline(steps).apply(TransformSample(image: image), generator: &generator).image.values
    }

    /// The image as a promptable model (`AutomaticMaskGenerator`, or the whole-image crop for prompts).
    public func prompting(_ image: ChannelImage) -> StretchedInputPrompting {
        StretchedInputPrompting(model: model, imageSize: (image.height, image.width)) { try self.input(image, crop: $0) }
    }

    /// One mask for a box and/or clicks in the capture's pixels: the model's single-mask output (mask token 0, what
    /// SimCMF trains), logits `[H, W]` at the capture's size, and the predicted IoU.
    /// - Throws: `PredictionError.promptOutside` for a prompt outside the image.
    public func predict(_ image: ChannelImage, sample: String, box: [Double]?, points: [SIMD2<Double>], labels: [Int]) throws -> (logits: Tensor, predictedIoU: Double) {
        let (w, h) = (Double(image.width), Double(image.height))
        if let b = box, !(b[0] >= 0 && b[1] >= 0 && b[2] <= w && b[3] <= h && b[0] < b[2] && b[1] < b[3]) {
            throw PredictionError.promptOutside(option: "--box", sample: sample, expected: "0 <= X0 < X1 <= \(image.width), 0 <= Y0 < Y1 <= \(image.height)",
                                                got: b.map { String(format: "%g", $0) }.joined(separator: ","))
        }
        if let p = points.first(where: { !($0.x >= 0 && $0.y >= 0 && $0.x < w && $0.y < h) }) {
            throw PredictionError.promptOutside(option: "--point", sample: sample, expected: "inside the \(image.width)x\(image.height) image",
                                                got: String(format: "%g,%g", p.x, p.y))
        }
        let whole = CropBox(x0: 0, y0: 0, x1: image.width, y1: image.height, layer: 0)
        let crop = try prompting(image).embedCrop(whole, multimaskOutput: false)
        let (low, iou) = try crop.predict(box: box, points: points, labels: labels)
        let logits = try crop.upscale(low.reshaped([low.shape[2], low.shape[3]]))
        return (logits, Double(iou.scalars[0]))
    }

    /// Every mask of the capture (`AutomaticMaskGenerator` on the run's model; one mask per point unless
    /// `options.multimaskOutput` asks for three).
    public func everything(_ image: ChannelImage, options: AutomaticMaskOptions,
                           progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> [GeneratedMask] {
        try AutomaticMaskGenerator(options: options).generate(prompting(image), progress: progress)
    }
}

/// Channel descriptors in messages.
enum ChannelText {
    static func describe(_ c: ChannelDescriptor) -> String { "\(c.name) in \(c.unit) (\(c.kind))" }
    static func list(_ cs: [ChannelDescriptor]) -> String { cs.map(describe).joined(separator: ", ") }
    /// The first channel `k` where `got` differs from `expected` (same count assumed): ("channel k", expected, got).
    static func firstDifference(_ got: [ChannelDescriptor], expected: [ChannelDescriptor]) -> (field: String, expected: String, got: String)? {
        guard let k = zip(got, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset else { return nil }
        return ("channel \(k)", describe(expected[k]), describe(got[k]))
    }
}
