import Foundation
import ImageIO
import TensorCore
import Transforms

/// One 2-D slice of a NIfTI-1/2 volume (scaled by scl_slope/scl_inter) per sample, along `axis`
/// (0 sagittal, 1 coronal, 2 axial; see `NIfTIVolume.slice`). A label volume (same grid) gives the label map:
/// the same slice, values rounded to integer region ids (0 = background).
public struct NIfTISliceModality: Modality {
    /// Which slice along the axis.
    public enum SliceIndex: Sendable, Equatable {
        /// `extent / 2`.
        case middle
        case index(Int)
        /// Every slice is a sample, id `<volume id>@<k>` with `SampleFiles.frame = k`. Listing reads each volume once
        /// for its extent; decoding a slice reads its volume again (no cache).
        case all
    }

    public var identifier: String
    public var axis: Int
    public var slice: SliceIndex
    /// True for CT volumes (channel `"HU"`, kind `.hounsfield`); else `"value"`, kind `.intensity`.
    public var hounsfield: Bool
    public var layout: SampleLayout

    /// - Parameters:
    ///   - pattern: default `volumes/{id}.nii*`; `label` default `labels/{id}.nii*` (label volumes).
    public init(identifier: String = "nifti", axis: Int = 2, slice: SliceIndex = .middle, hounsfield: Bool = false,
                pattern: String = "volumes/{id}.nii*", label: String? = "labels/{id}.nii*") throws {
        guard (0...2).contains(axis) else {
            throw ModalityError.invalidSpec(file: identifier, field: "axis", expected: "0 (x), 1 (y) or 2 (z)", got: "\(axis)")
        }
        if case .index(let i) = slice, i < 0 {
            throw ModalityError.invalidSpec(file: identifier, field: "slice", expected: ">= 0", got: "\(i)")
        }
        self.identifier = identifier
        self.axis = axis
        self.slice = slice
        self.hounsfield = hounsfield
        layout = try .single(pattern, field: "volume pattern", label: label, file: identifier)
    }

    public var summary: String { "NIfTI volume, slice along axis \(axis) -> \(hounsfield ? "HU" : "value"); label volumes as masks" }

    public var channels: [ChannelDescriptor] {
        [hounsfield ? ChannelDescriptor(name: "HU", unit: "HU", kind: .hounsfield) : ChannelDescriptor(name: "value", unit: "1", kind: .intensity)]
    }

    public func samples(in root: URL) throws -> [SampleFiles] {
        let volumes = try layout.samples(in: root)
        guard slice == .all else { return volumes }
        return try volumes.flatMap { v -> [SampleFiles] in
            let path = v.inputs[0]
            let url = try SourceFiles.url(path, root: root, sample: v.id)
            let dims = try ModalityError.wrapping(path) { try NIfTIVolume(contentsOf: url) }.header.dimensions
            guard dims.count >= 3 else {
                throw ModalityError.invalidContent(file: path, field: "dim", expected: "a volume of rank >= 3", got: "\(dims)")
            }
            let digits = String(dims[axis] - 1).count
            return (0..<dims[axis]).map { k in
                let padded = String(repeating: "0", count: digits - String(k).count) + String(k)
                return SampleFiles(id: "\(v.id)@\(padded)", inputs: v.inputs, label: v.label, frame: k)
            }
        }
    }

    public func decode(_ sample: SampleFiles, root: URL) throws -> ChannelImage {
        guard sample.inputs.count == 1 else { throw ModalityError.inputCount(sample: sample.id, expected: 1, got: sample.inputs.count) }
        let plane = try sliceValues(sample.inputs[0], root: root, sample: sample.id, frame: sample.frame)
        return ChannelImage(values: plane.reshaped([1] + plane.shape), channels: channels)
    }

    /// The label volume's slice, rounded to integers.
    public func label(_ sample: SampleFiles, root: URL) throws -> Tensor? {
        guard let path = sample.label else { return nil }
        let plane = try sliceValues(path, root: root, sample: sample.id, frame: sample.frame)
        return plane.withUnsafeBufferPointer { src in Tensor(shape: plane.shape) { out in for i in 0..<src.count { out[i] = src[i].rounded() } } }
    }

    /// The slice `[rows, cols]` of the volume at `root/path`: slice `frame` when given, else the configured one.
    public func sliceValues(_ path: String, root: URL, sample: String, frame: Int? = nil) throws -> Tensor {
        let url = try SourceFiles.url(path, root: root, sample: sample)
        let volume = try ModalityError.wrapping(path) { try NIfTIVolume(contentsOf: url) }
        let dims = volume.header.dimensions
        guard dims.count >= 3 else {
            throw ModalityError.invalidContent(file: path, field: "dim", expected: "a volume of rank >= 3", got: "\(dims)")
        }
        let index: Int
        switch (frame, slice) {
        case (let f?, _): index = f
        case (nil, .index(let i)): index = i
        case (nil, _): index = dims[axis] / 2
        }
        guard index < dims[axis] else {
            throw ModalityError.invalidContent(file: path, field: "slice index along axis \(axis)", expected: "0..<\(dims[axis])", got: "\(index)")
        }
        return try ModalityError.wrapping(path) { try volume.slice(axis: axis, index: index) }
    }
}
