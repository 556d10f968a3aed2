import Foundation
import ImageIO
import TensorCore
import Transforms

/// Single-sample-per-pixel DICOM images (CT, MR, ...; native, RLE, JPEG, JPEG-LS, JPEG 2000) → the modality values of one frame
/// (stored × RescaleSlope + RescaleIntercept: Hounsfield units for CT), then one [0, 1] channel per display window.
public struct DICOMModality: Modality {
    /// A window: a fixed preset, or the first VOI window stored in the file.
    public enum Window: Sendable, Equatable {
        case preset(CTWindow)
        case fromFile
    }

    public var identifier: String
    /// True for CT: the first channel is `"HU"` of kind `.hounsfield`; else `"value"`, kind `.intensity`.
    public var hounsfield: Bool
    public var windows: [Window]
    public var frameIndex: Int
    public var layout: SampleLayout

    public init(identifier: String = "ct", hounsfield: Bool = true, windows: [Window] = [], frameIndex: Int = 0,
                pattern: String = "dicom/{id}.dcm", label: String? = "labels/{id}.*") throws {
        guard frameIndex >= 0 else {
            throw ModalityError.invalidSpec(file: identifier, field: "frameIndex", expected: ">= 0", got: "\(frameIndex)")
        }
        self.identifier = identifier
        self.hounsfield = hounsfield
        self.windows = windows
        self.frameIndex = frameIndex
        layout = try .single(pattern, field: "dicom pattern", label: label, file: identifier)
    }

    public var summary: String {
        (hounsfield ? "DICOM CT -> HU" : "DICOM -> modality values")
            + (windows.isEmpty ? "" : " + \(windows.count) window(s) in [0, 1]")
    }

    public var channels: [ChannelDescriptor] {
        let first = hounsfield ? ChannelDescriptor(name: "HU", unit: "HU", kind: .hounsfield)
            : ChannelDescriptor(name: "value", unit: "1", kind: .intensity)
        return [first] + windows.map { w in
            switch w {
            case .preset(let p): return ChannelDescriptor(name: "window \(p.name)", unit: "1", kind: .intensity)
            case .fromFile: return ChannelDescriptor(name: "window file", unit: "1", kind: .intensity)
            }
        }
    }

    public func samples(in root: URL) throws -> [SampleFiles] { try layout.samples(in: root) }

    public func decode(_ sample: SampleFiles, root: URL) throws -> ChannelImage {
        guard sample.inputs.count == 1 else { throw ModalityError.inputCount(sample: sample.id, expected: 1, got: sample.inputs.count) }
        let path = sample.inputs[0]
        let url = try SourceFiles.url(path, root: root, sample: sample.id)
        let image = try ModalityError.wrapping(path) { try DICOMImage(contentsOf: url) }
        guard image.samplesPerPixel == 1 else {
            throw ModalityError.invalidContent(file: path, field: "SamplesPerPixel", expected: "1", got: "\(image.samplesPerPixel)")
        }
        guard frameIndex < image.frames else {
            throw ModalityError.invalidContent(file: path, field: "frame index", expected: "0..<\(image.frames)", got: "\(frameIndex)")
        }
        let values = try ModalityError.wrapping(path) { try image.modalityValues(frame: frameIndex) }  // [1, H, W]
        var planes = [values]
        for w in windows {
            switch w {
            case .preset(let p): planes.append(p.apply(values))
            case .fromFile:
                guard let c = image.windowCenters.first, let width = image.windowWidths.first, width >= 1 else {
                    throw ModalityError.invalidContent(file: path, field: "WindowCenter/WindowWidth (0028,1050/1051)",
                                                       expected: "a stored window of width >= 1", got: "none")
                }
                planes.append(CTWindow(name: "file", center: c, width: width).apply(values))
            }
        }
        return ChannelImage(values: Tensor.concat(planes, axis: 0), channels: channels)
    }
}
