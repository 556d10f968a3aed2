import TensorCore

/// A label map of integer region ids (0 = background), row-major `[height, width]`.
public struct LabelMap: Sendable, Equatable {
    public let height: Int
    public let width: Int
    /// `height · width` region ids, row-major.
    public let ids: [Int32]

    public init(height: Int, width: Int, ids: [Int32]) {
        precondition(height > 0 && width > 0 && ids.count == height * width, "LabelMap: \(ids.count) ids for \(height)x\(width)")
        self.height = height; self.width = width; self.ids = ids
    }

    /// `tensor [H, W]` of integral values (rounded to the nearest integer).
    public init(_ tensor: Tensor) {
        precondition(tensor.rank == 2, "LabelMap: tensor of shape \(tensor.shape), expected [H, W]")
        self.init(height: tensor.shape[0], width: tensor.shape[1], ids: tensor.scalars.map { Int32($0.rounded()) })
    }

    public subscript(y: Int, x: Int) -> Int32 { ids[y * width + x] }

    /// Pixel count of every id, ascending by id.
    public var regionCounts: [(id: Int32, count: Int)] {
        var c: [Int32: Int] = [:]
        for v in ids { c[v, default: 0] += 1 }
        return c.keys.sorted().map { ($0, c[$0]!) }
    }

    /// Torch legacy nearest resize (`F.interpolate(mode='nearest')`): `src = min(⌊dst · in/out⌋, in − 1)`
    /// with the scale computed in Float32 as PyTorch does.
    public func resizedNearest(height oh: Int, width ow: Int) -> LabelMap {
        if oh == height && ow == width { return self }
        let rows = (0..<oh).map { Self.nearestSource($0, input: height, output: oh) }
        let cols = (0..<ow).map { Self.nearestSource($0, input: width, output: ow) }
        var out = [Int32](); out.reserveCapacity(oh * ow)
        for r in rows { for c in cols { out.append(ids[r * width + c]) } }
        return LabelMap(height: oh, width: ow, ids: out)
    }

    /// The input row (column) that output row (column) `dst` of the nearest resize `input` → `output` reads:
    /// `min(⌊dst · Float32(input / output)⌋, input − 1)`.
    public static func nearestSource(_ dst: Int, input: Int, output: Int) -> Int {
        let scale = Float(input) / Float(output)
        return Swift.min(Int((Float(dst) * scale).rounded(.down)), input - 1)
    }

    /// The binary mask `[H, W]` (1 where the id is `region`).
    public func mask(of region: Int32) -> Tensor {
        Tensor(shape: [height, width], values: ids.map { $0 == region ? 1 : 0 })
    }
}

/// A prompt given with an example (instead of one sampled from its label map), in input pixels.
public struct RegionPrompt: Sendable, Equatable {
    public var region: Int32
    public var click: Click
    /// The box for box prompts (nil: the region's bounding box in the label).
    public var box: Box?

    public init(region: Int32, click: Click, box: Box? = nil) { self.region = region; self.click = click; self.box = box }
}

/// One example as the model sees it: no modality, only tensors.
public struct TrainingExample: Sendable {
    /// An identifier for reports (e.g. the sample's file stem).
    public var id: String
    /// `[C, S, S]` normalised model input.
    public var image: Tensor
    /// `[S, S]` region ids at model input size (clicks are sampled on it).
    public var label: LabelMap
    /// The label at its original resolution, for full-resolution evaluation (optional).
    public var originalLabel: LabelMap?
    /// Prompts chosen beforehand; when present they replace the sampled clicks.
    public var prompts: [RegionPrompt]?

    public init(id: String, image: Tensor, label: LabelMap, originalLabel: LabelMap? = nil, prompts: [RegionPrompt]? = nil) {
        self.id = id; self.image = image; self.label = label; self.originalLabel = originalLabel; self.prompts = prompts
    }
}

/// Examples by index. Implementations read files lazily (the AIMS bridge) or hold tensors.
public protocol ExampleSource {
    var count: Int { get }
    func example(at index: Int) throws -> TrainingExample
}

extension ExampleSource {
    /// Checks example `index` against a model: image `[C, S, S]`, label `[S, S]`.
    func validated(_ index: Int, for model: any SegmentationModel) throws -> TrainingExample {
        let e = try example(at: index)
        let c = model.inputChannels, s = model.inputSize
        guard e.image.shape == [c, s, s] else {
            throw TrainingError.exampleShape(index: index, field: "image", expected: "[\(c), \(s), \(s)] (the model's input channels and size)",
                                             got: e.image.shape)
        }
        guard e.label.height == s, e.label.width == s else {
            throw TrainingError.exampleShape(index: index, field: "label", expected: "[\(s), \(s)]", got: [e.label.height, e.label.width])
        }
        return e
    }
}

/// Examples held in memory (tests, small data sets).
public struct InMemoryExampleSource: ExampleSource, Sendable {
    public var examples: [TrainingExample]
    public init(_ examples: [TrainingExample]) { self.examples = examples }
    public var count: Int { examples.count }
    public func example(at index: Int) throws -> TrainingExample { examples[index] }
}
