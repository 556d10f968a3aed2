import Foundation
import ImageIO
import TensorCore
import TensorFiles
import Transforms

/// Depth maps → one `depth` channel in metres (kind `.depth`), with a valid mask that is 0 where the sensor
/// reported nothing (stored 0, or a non-finite float). The file type is recognised by content:
/// - 16-bit PNG / TIFF / PNM of integer units (NYU/TUM-style millimetres: `metersPerUnit` 0.001),
/// - float TIFF in metres (`metersPerFloatUnit` 1),
/// - NPY arrays `[H, W]` or `[1, H, W]` (integer dtypes use `metersPerUnit`, float dtypes `metersPerFloatUnit`),
/// - RealSense raw `.bin` dumps (`RealSenseDepthFile`), integer units (e.g. SR300: 0.000124986647 m).
public struct DepthModality: Modality {
    public var identifier: String
    /// Metres per stored unit of integer files.
    public var metersPerUnit: Double
    /// Metres per stored unit of floating-point files.
    public var metersPerFloatUnit: Double
    /// When set, missing pixels are filled from their neighbours; the valid mask still marks only measured pixels.
    public var holeFilling: DepthHoleFilling?
    public var layout: SampleLayout

    /// - Parameters:
    ///   - pattern: default `depth/{id}.*`; label default `labels/{id}.*`.
    public init(identifier: String = "depth", metersPerUnit: Double = 0.001, metersPerFloatUnit: Double = 1,
                holeFilling: DepthHoleFilling? = nil, pattern: String = "depth/{id}.*", label: String? = "labels/{id}.*") throws {
        guard metersPerUnit > 0, metersPerUnit.isFinite else {
            throw ModalityError.invalidSpec(file: identifier, field: "metersPerUnit", expected: "> 0", got: "\(metersPerUnit)")
        }
        guard metersPerFloatUnit > 0, metersPerFloatUnit.isFinite else {
            throw ModalityError.invalidSpec(file: identifier, field: "metersPerFloatUnit", expected: "> 0", got: "\(metersPerFloatUnit)")
        }
        self.identifier = identifier
        self.metersPerUnit = metersPerUnit
        self.metersPerFloatUnit = metersPerFloatUnit
        self.holeFilling = holeFilling
        layout = try .single(pattern, field: "depth pattern", label: label, file: identifier)
    }

    /// Intel RealSense SR300 raw dumps (`.bin`), depth scale 0.000124986647 m per unit.
    public static func realSenseSR300(pattern: String = "depth/{id}.bin") -> DepthModality {
        try! DepthModality(identifier: "depth-sr300", metersPerUnit: 0.000124986647, pattern: pattern)
    }

    public var summary: String {
        "depth (16-bit PNG/TIFF in \(metersPerUnit) m units, float TIFF, NPY, RealSense .bin) -> depth in m"
    }

    public var channels: [ChannelDescriptor] { [ChannelDescriptor(name: "depth", unit: "m", kind: .depth)] }

    public func samples(in root: URL) throws -> [SampleFiles] { try layout.samples(in: root) }

    public func decode(_ sample: SampleFiles, root: URL) throws -> ChannelImage {
        guard sample.inputs.count == 1 else { throw ModalityError.inputCount(sample: sample.id, expected: 1, got: sample.inputs.count) }
        let path = sample.inputs[0]
        var z = try depthMeters(at: try SourceFiles.url(path, root: root, sample: sample.id), file: path)
        let h = z.shape[1], w = z.shape[2]
        // Holes (0 or non-finite) become 0; the mask is built only when there is one.
        let missing = z.withUnsafeMutableBufferPointer { v in
            var holes = false, i = 0
            while i + 16 <= v.count {   // 16 at a time (the scalar loop did not vectorize)
                let p = UnsafeMutableRawPointer(v.baseAddress! + i)
                var x = p.loadUnaligned(as: SIMD16<Float>.self)
                let hole = .!((x .> 0) .& (x .< .infinity))   // NaN too
                if any(hole) {
                    holes = true
                    x.replace(with: 0, where: hole)
                    p.storeBytes(of: x, as: SIMD16<Float>.self)
                }
                i += 16
            }
            for k in i..<v.count where !(v[k] > 0 && v[k] < .infinity) { v[k] = 0; holes = true }
            return holes
        }
        guard missing else { return ChannelImage(values: z, channels: channels) }
        let mask = z.withUnsafeBufferPointer { v in Tensor(shape: [h, w]) { m in for i in 0..<v.count { m[i] = v[i] > 0 ? 1 : 0 } } }
        if let holeFilling { z = Tensor(shape: [1, h, w], values: holeFilling.fill(z.scalars, height: h, width: w)) }
        return ChannelImage(values: z, channels: channels, validMask: mask)
    }

    /// The depth file at `url` in metres, `[1, H, W]`, holes as stored (0 or non-finite). `file` names it in errors.
    public func depthMeters(at url: URL, file: String) throws -> Tensor {
        var values: Tensor
        let isFloat: Bool
        if SourceFiles.isRasterImage(url) {
            let raw = try ModalityError.wrapping(file) { try ImageReader.read(url) }
            guard raw.channels == 1 else {
                throw ModalityError.invalidContent(file: file, field: "channels", expected: "1 (a depth map)", got: "\(raw.channels)")
            }
            values = raw.toTensor()
            isFloat = raw.dtype.isFloatingPoint
        } else if SourceFiles.isNPY(url) {
            let archive = try ModalityError.wrapping(file) { try TensorFiles.read(url) }
            guard let first = archive.tensors.first else {
                throw ModalityError.invalidContent(file: file, field: "array", expected: "one array", got: "none")
            }
            values = try SourceFiles.singlePlane(first.tensor, file: file, field: "array shape")
            isFloat = first.storedDType.isFloatingPoint
        } else if url.pathExtension.lowercased() == "bin" {
            values = try RealSenseDepthFile.read(url, file: file).toTensor()
            isFloat = false
        } else {
            throw ModalityError.invalidContent(file: file, field: "format",
                                               expected: "PNG, TIFF, PNM, NPY or a RealSense .bin dump", got: "unrecognised content")
        }
        let scale = isFloat ? metersPerFloatUnit : metersPerUnit
        values.withUnsafeMutableBufferPointer { v in for i in 0..<v.count { v[i] = Float(Double(v[i]) * scale) } }
        return values
    }
}
