import Foundation
import Modalities
import SimCMF
import TensorCore
import Transforms

/// The bridge from a modality's samples in a dataset folder to SimCMF's `TrainingExample`s.
///
/// Per example: `Modality.decode` (physical units, `[C, H, W]` + valid mask) and `label` (`[H, W]`
/// region ids) → kind-aware `Resize` to the model input side `S × S` (bilinear for intensities,
/// doubled-angle for angles, valid-only for depth; the label map nearest, PyTorch's legacy rule as
/// SimCMF's `F.interpolate(mode="nearest")`) → `Normalize` with the chosen constants (invalid pixels
/// become 0, the dataset mean). The example keeps the label at its decoded resolution as
/// `originalLabel` for full-resolution evaluation.
///
/// Files are read lazily; up to `cacheCapacity` prepared examples are kept (the trainer reads every
/// example once up front and then once per epoch, so a cache as large as the split avoids decoding
/// twice). Not thread-safe: one trainer or evaluator reads it at a time.
public final class ModalityExampleSource: ExampleSource {
    public let modality: any Modality
    /// The dataset folder the samples' paths are relative to.
    public let root: URL
    /// The samples, in example order.
    public let samples: [SampleFiles]
    /// Side `S` of the square model input.
    public let inputSize: Int
    /// The constants images are standardised with (nil: none).
    public let normalization: ChannelNormalization?
    /// How many prepared examples are kept in memory (0: none).
    public let cacheCapacity: Int
    private var cache: [Int: TrainingExample] = [:]
    private var cacheOrder: [Int] = []

    /// - Parameters:
    ///   - samples: the samples to serve, e.g. one split; all of `modality.samples(in: root)` when nil.
    ///   - ids: when given, only the samples with these ids (in this order); an unknown id is an error.
    ///   - normalization: constants to use as they are (resolve a choice with `ExampleNormalization.resolve`).
    /// - Throws: `BridgeError` for an unknown id, a bad size or a normalisation of the wrong channel count;
    ///   the modality's error when its folder cannot be listed.
    public init(modality: any Modality, root: URL, samples: [SampleFiles]? = nil, ids: [String]? = nil, inputSize: Int,
                normalization: ChannelNormalization?, cacheCapacity: Int = 0) throws {
        guard inputSize > 0 else { throw BridgeError.invalidSetting(field: "input size", expected: "a positive side in pixels", got: "\(inputSize)") }
        guard cacheCapacity >= 0 else { throw BridgeError.invalidSetting(field: "cache capacity", expected: ">= 0", got: "\(cacheCapacity)") }
        if let n = normalization, n.channelCount != modality.channels.count {
            throw BridgeError.channelCount(field: "normalization of \(modality.identifier)", expected: modality.channels.count, got: n.channelCount)
        }
        var list = try samples ?? modality.samples(in: root)
        if let ids {
            var byID: [String: SampleFiles] = [:]
            for s in list { byID[s.id] = s }
            let unknown = ids.filter { byID[$0] == nil }
            guard unknown.isEmpty else { throw BridgeError.unknownSamples(ids: unknown, root: root.path) }
            list = ids.map { byID[$0]! }
        }
        self.modality = modality
        self.root = root
        self.samples = list
        self.inputSize = inputSize
        self.normalization = normalization
        self.cacheCapacity = cacheCapacity
    }

    public var count: Int { samples.count }

    /// Channels `C` of every example (the modality's).
    public var channelCount: Int { modality.channels.count }

    /// The prepared example at `index`: image `[C, S, S]`, label `[S, S]`, original label `[H, W]`.
    /// - Throws: `BridgeError.sample` / `.missingLabel` naming the sample id and file.
    public func example(at index: Int) throws -> TrainingExample {
        precondition(samples.indices.contains(index), "ModalityExampleSource: index \(index) of \(samples.count)")
        if let e = cache[index] { return e }
        let e = try prepare(samples[index])
        if cacheCapacity > 0 {
            if cacheOrder.count >= cacheCapacity { cache[cacheOrder.removeFirst()] = nil }
            cache[index] = e; cacheOrder.append(index)
        }
        return e
    }

    /// Decode, resize, normalise one sample.
    func prepare(_ s: SampleFiles) throws -> TrainingExample {
        let sample = try Self.withSampleContext(s) { try modality.transformSample(s, root: root) }
        guard let label = sample.label else { throw BridgeError.missingLabel(id: s.id, file: s.label ?? s.inputs.first ?? s.id) }
        guard sample.image.channelCount == channelCount else {
            throw BridgeError.sample(id: s.id, file: s.inputs.first ?? s.id,
                                     reason: "decoded \(sample.image.channelCount) channels, the modality declares \(channelCount)")
        }
        let steps = Self.modelInputSteps(inputSize: inputSize, normalization: normalization)
        var generator = SeededGenerator(seed: 0)   // the steps are deterministic
        let out = try Self.withSampleContext(s) { try TransformPipeline(steps).apply(sample, generator: &generator) }
        guard let resizedLabel = out.label else { throw BridgeError.missingLabel(id: s.id, file: s.label ?? s.id) }
        return TrainingExample(id: s.id, image: out.image.values, label: LabelMap(resizedLabel), originalLabel: LabelMap(label))
    }

    /// What makes a decoded sample the model's input: the kind-aware resize to `S × S` (bilinear; labels nearest,
    /// PyTorch's legacy rule), then the normalisation, if any.
    public static func modelInputSteps(inputSize: Int, normalization: ChannelNormalization?) -> [any ChannelTransform] {
        var steps: [any ChannelTransform] = [Resize(height: inputSize, width: inputSize, interpolation: .bilinear, labelRule: .torchLegacy)]
        if let normalization { steps.append(Normalize(normalization)) }
        return steps
    }

    /// Runs `body`, rewrapping any error as `BridgeError.sample` naming the sample (the modality's
    /// errors already name the file; others get the sample's first input).
    static func withSampleContext<T>(_ s: SampleFiles, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as BridgeError {
            throw e
        } catch let e as ModalityError {
            throw BridgeError.sample(id: s.id, file: Self.file(of: e) ?? s.inputs.first ?? s.id, reason: Self.reason(e))
        } catch {
            throw BridgeError.sample(id: s.id, file: s.inputs.first ?? s.id, reason: (error as? LocalizedError)?.errorDescription ?? "\(error)")
        }
    }

    private static func file(of e: ModalityError) -> String? {
        switch e {
        case let .missingFile(file, _), let .invalidContent(file, _, _, _), let .decodeFailed(file, _), let .shapeMismatch(file, _, _, _),
             let .invalidSpec(file, _, _, _): return file
        default: return nil
        }
    }

    private static func reason(_ e: ModalityError) -> String {
        let text = e.errorDescription ?? "\(e)"
        if let f = file(of: e), text.hasPrefix(f + ": ") { return String(text.dropFirst(f.count + 2)) }
        return text
    }
}
