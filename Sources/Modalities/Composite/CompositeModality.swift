import Foundation
import TensorCore
import Transforms

/// Several modalities of the same scene, e.g. RGB + depth: the parts' channels concatenated in part order,
/// samples matched by id (a sample exists when every part has it), the valid mask the product of the parts'.
/// The label comes from the first part that has one. Built from the parts themselves, so each part keeps its own
/// file layout and decoding.
public struct CompositeModality: Modality {
    public let parts: [any Modality]
    public let identifier: String

    /// - Parameter identifier: default: the parts' identifiers joined by `+` (e.g. `rgb+depth`).
    /// - Throws: `ModalityError.invalidSpec` with fewer than two parts.
    public init(parts: [any Modality], identifier: String? = nil) throws {
        guard parts.count >= 2 else {
            throw ModalityError.invalidSpec(file: identifier ?? "composite", field: "parts", expected: "at least two modalities",
                                            got: "\(parts.count)")
        }
        self.parts = parts
        self.identifier = identifier ?? parts.map(\.identifier).joined(separator: "+")
    }

    public var summary: String { "composite of " + parts.map(\.identifier).joined(separator: ", ") }

    public var channels: [ChannelDescriptor] { parts.flatMap(\.channels) }

    /// The parts' constants concatenated, when every part has them.
    public var normalization: NormalizationConstants? {
        let all = parts.compactMap(\.normalization)
        guard all.count == parts.count else { return nil }
        return NormalizationConstants(mean: all.flatMap(\.mean), std: all.flatMap(\.std),
                                      source: all.map(\.source).joined(separator: " + "))
    }

    /// The first part's transforms: the parts share one pixel grid, so its geometry applies to all channels.
    public var defaultTransforms: [any ChannelTransform] { parts[0].defaultTransforms }

    public func samples(in root: URL) throws -> [SampleFiles] {
        let lists = try parts.map { try $0.samples(in: root) }
        let byID = lists.map { Dictionary($0.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }) }
        return lists[0].compactMap { first in
            let matched = byID.compactMap { $0[first.id] }
            guard matched.count == parts.count else { return nil }
            return SampleFiles(id: first.id, inputs: matched.flatMap(\.inputs), label: matched.first { $0.label != nil }?.label,
                               parts: matched)
        }
    }

    public func decode(_ sample: SampleFiles, root: URL) throws -> ChannelImage {
        let subs = try partSamples(sample)
        var images: [ChannelImage] = []
        for (part, s) in zip(parts, subs) {
            let image = try part.decode(s, root: root)
            if let first = images.first, [first.height, first.width] != [image.height, image.width] {
                throw ModalityError.shapeMismatch(file: s.inputs.first ?? s.id, field: "\(part.identifier) image",
                                                  expected: [first.height, first.width], got: [image.height, image.width])
            }
            images.append(image)
        }
        let h = images[0].height, w = images[0].width
        var mask: [Float]? = nil
        for m in images.compactMap(\.validMask) {
            let v = m.scalars
            if mask == nil { mask = v } else { for i in v.indices { mask![i] *= v[i] } }
        }
        return ChannelImage(values: Tensor.concat(images.map(\.values), axis: 0), channels: images.flatMap(\.channels),
                            validMask: mask.map { Tensor(shape: [h, w], values: $0) })
    }

    public func label(_ sample: SampleFiles, root: URL) throws -> Tensor? {
        for (part, s) in zip(parts, try partSamples(sample)) where s.label != nil {
            return try part.label(s, root: root)
        }
        return nil
    }

    /// The parts' samples, which a composite sample from `samples(in:)` carries in `parts` (a flat input list alone
    /// cannot be split, since parts may take different numbers of files).
    private func partSamples(_ sample: SampleFiles) throws -> [SampleFiles] {
        guard sample.parts.count == parts.count else {
            throw ModalityError.inputCount(sample: sample.id, expected: parts.count, got: sample.parts.count)
        }
        return sample.parts
    }
}
