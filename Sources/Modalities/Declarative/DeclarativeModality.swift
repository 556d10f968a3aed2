import Foundation
import ImageIO
import TensorCore
import Transforms

/// A modality defined by a `DeclarativeModalitySpec` (a JSON plugin): no Swift code per sensor.
/// Channels that name the same file pattern share one input file, which is read once per sample.
public struct DeclarativeModality: Modality {
    public let spec: DeclarativeModalitySpec
    /// Where the spec came from (names it in errors).
    public let specFile: String
    public let layout: SampleLayout
    /// For each channel, the index of its file in `SampleFiles.inputs`.
    let inputIndex: [Int]

    /// - Throws: `ModalityError.invalidSpec` when the spec does not validate.
    public init(spec: DeclarativeModalitySpec, file: String = "plugin") throws {
        try spec.validate(file: file)
        self.spec = spec
        specFile = file
        var patterns: [String] = []
        var index: [Int] = []
        for c in spec.channels {
            if let i = patterns.firstIndex(of: c.file) { index.append(i) } else { patterns.append(c.file); index.append(patterns.count - 1) }
        }
        inputIndex = index
        layout = SampleLayout(inputs: try patterns.map { try SamplePattern($0, field: "channels.file", file: file) },
                              label: try spec.label.map { try SamplePattern($0, field: "label", file: file) })
    }

    /// Reads and validates the JSON plugin at `url`.
    public static func load(_ url: URL) throws -> DeclarativeModality {
        let name = url.lastPathComponent
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModalityError.missingFile(file: url.path, sample: "plugin spec")
        }
        return try DeclarativeModality(spec: try DeclarativeModalitySpec.parse(data, file: name), file: name)
    }

    public var identifier: String { spec.identifier }
    public var summary: String { spec.summary ?? "JSON plugin \(specFile)" }

    public var channels: [ChannelDescriptor] {
        spec.channels.map { c in
            let kind: ChannelKind
            switch c.kind {
            case "angle": kind = .angle(period: c.period ?? .pi)
            case "depth": kind = .depth
            case "temperature": kind = .temperature
            case "hounsfield": kind = .hounsfield
            case "label": kind = .label
            default: kind = .intensity
            }
            return ChannelDescriptor(name: c.name, unit: c.unit, kind: kind)
        }
    }

    public var normalization: NormalizationConstants? {
        spec.normalization.map { NormalizationConstants(mean: $0.mean, std: $0.std, source: specFile) }
    }

    public func samples(in root: URL) throws -> [SampleFiles] { try layout.samples(in: root) }

    public func decode(_ sample: SampleFiles, root: URL) throws -> ChannelImage {
        guard sample.inputs.count == layout.inputs.count else {
            throw ModalityError.inputCount(sample: sample.id, expected: layout.inputs.count, got: sample.inputs.count)
        }
        var cache: [String: Tensor] = [:]
        var planes: [Tensor] = []
        var mask: [Float]? = nil
        var grid: [Int]? = nil
        for (k, c) in spec.channels.enumerated() {
            let path = sample.inputs[inputIndex[k]]
            let key = "\(path)#\(c.format ?? "auto")#\(c.page ?? 0)"
            let all: Tensor
            if let t = cache[key] { all = t } else { all = try read(c, path: path, root: root, sample: sample.id); cache[key] = all }
            let band = c.band ?? 0
            guard band < all.shape[0] else {
                throw ModalityError.invalidContent(file: path, field: "channels[\(k)].band", expected: "below the file's \(all.shape[0]) channels",
                                                   got: "\(band)")
            }
            let hw = Array(all.shape.dropFirst())
            if let g = grid, g != hw { throw ModalityError.shapeMismatch(file: path, field: "channels[\(k)] (\(c.name))", expected: g, got: hw) }
            grid = hw
            var v = all.slice(axis: 0, band..<(band + 1)).scalars
            let scale = c.scale ?? 1, offset = c.offset ?? 0
            let invalid = Set((c.invalidValues ?? []).map { Float($0) })
            for i in v.indices {
                if !v[i].isFinite || invalid.contains(v[i]) {
                    if mask == nil { mask = [Float](repeating: 1, count: v.count) }
                    mask![i] = 0
                    v[i] = 0
                } else {
                    v[i] = Float(Double(v[i]) * scale + offset)
                }
            }
            planes.append(Tensor(shape: [1] + hw, values: v))
        }
        let hw = grid!
        return ChannelImage(values: Tensor.concat(planes, axis: 0), channels: channels, validMask: mask.map { Tensor(shape: hw, values: $0) })
    }

    /// All channels of one file as `[C, H, W]`, values as stored.
    private func read(_ c: DeclarativeModalitySpec.Channel, path: String, root: URL, sample: String) throws -> Tensor {
        let url = try SourceFiles.url(path, root: root, sample: sample)
        var format = c.format ?? "auto"
        if format == "auto" {
            if SourceFiles.isRasterImage(url) { format = "image" } else if SourceFiles.isNPY(url) { format = "npy" } else {
                throw ModalityError.invalidContent(file: path, field: "format", expected: "PNG, JPEG, TIFF, PNM or NPY (or set \"format\")",
                                                   got: "unrecognised content")
            }
        }
        switch format {
        case "image":
            return try SourceFiles.image(path, root: root, page: c.page ?? 0, sample: sample).toTensor()
        case "npy":
            let t = try SourceFiles.array(path, root: root, sample: sample)
            if t.rank == 2 { return t.reshaped([1] + t.shape) }
            guard t.rank == 3 else {
                throw ModalityError.invalidContent(file: path, field: "array shape", expected: "[H, W] or [C, H, W]", got: "\(t.shape)")
            }
            return t
        case "raw":
            let spec = RawImageSpec(width: c.width!, height: c.height!, channels: c.channels ?? 1, dtype: DType(rawValue: c.dtype!)!,
                                    littleEndian: c.littleEndian ?? true, byteOffset: c.byteOffset ?? 0)
            return try ModalityError.wrapping(path) { try RawBinaryCodec.read(url, spec: spec) }.toTensor()
        default:  // "realsense"
            return try RealSenseDepthFile.read(url, file: path).toTensor()
        }
    }
}
