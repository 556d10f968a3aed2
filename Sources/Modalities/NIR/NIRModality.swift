import Foundation
import ImageIO
import TensorCore
import Transforms

/// Near-infrared images → one `NIR` channel (kind `.intensity`, unit `"1"`):
/// - 8/16-bit single-channel images, scaled to [0, 1] (stored / 255 or / 65535), as SimCMF's `nir` (`.convert('L')` / 255);
/// - one band of a multi-band TIFF chosen by name (`bandNames`) or index, scaled `value × scale + offset`
///   (Sentinel-2 L2A reflectance: scale 1e-4), with `nodata` samples masked out (value 0, valid mask 0).
public struct NIRModality: Modality {
    /// Which band of a multi-band file holds the NIR.
    public enum Band: Sendable, Equatable {
        case index(Int)
        case name(String)
    }

    /// How stored values map to the output.
    public enum Scaling: Sendable, Equatable {
        /// Integer samples / the dtype maximum → [0, 1]; float samples unchanged.
        case unitRange
        /// `value × scale + offset`.
        case linear(scale: Double, offset: Double)
    }

    public var identifier: String
    public var band: Band
    /// Names of the bands in file order (e.g. `["B", "G", "R", "NIR"]`); may be empty when `band` is an index.
    public var bandNames: [String]
    public var scaling: Scaling
    /// A stored value that marks missing data (e.g. 9999 for the Sentinel-2 sample), or nil.
    public var nodata: Double?
    public var layout: SampleLayout

    public init(identifier: String = "nir", band: Band = .index(0), bandNames: [String] = [], scaling: Scaling = .unitRange,
                nodata: Double? = nil, pattern: String = "nir/{id}.*", label: String? = "labels/{id}.*") throws {
        switch band {
        case .index(let i) where i < 0:
            throw ModalityError.invalidSpec(file: identifier, field: "band", expected: "an index >= 0", got: "\(i)")
        case .name(let n) where !bandNames.contains(n):
            throw ModalityError.invalidSpec(file: identifier, field: "band", expected: "one of the band names \(bandNames)", got: "\"\(n)\"")
        default: break
        }
        self.identifier = identifier
        self.band = band
        self.bandNames = bandNames
        self.scaling = scaling
        self.nodata = nodata
        layout = try .single(pattern, field: "nir pattern", label: label, file: identifier)
    }

    /// The Sentinel-2 10 m bands as the satsense sample stores them: blue, green, red, NIR (B08); uint16 reflectance
    /// × 10000, 9999 = no data. Output: NIR reflectance (dimensionless).
    public static func sentinel2BGRN(pattern: String = "nir/{id}.tif") -> NIRModality {
        try! NIRModality(identifier: "nir-sentinel2", band: .name("NIR"), bandNames: ["B", "G", "R", "NIR"],
                         scaling: .linear(scale: 1e-4, offset: 0), nodata: 9999, pattern: pattern)
    }

    public var summary: String {
        switch band {
        case .index(let i): return "near-infrared, band \(i) -> NIR" + (scaling == .unitRange ? " in [0, 1]" : "")
        case .name(let n): return "near-infrared, band \(n) of \(bandNames) -> NIR" + (scaling == .unitRange ? " in [0, 1]" : "")
        }
    }

    public var channels: [ChannelDescriptor] { [ChannelDescriptor(name: "NIR", unit: "1", kind: .intensity)] }

    /// SimCMF's `nir` constants (`.convert('L')` / 255) for 8-bit single-band NIR in [0, 1]; nil for other scalings.
    public var normalization: NormalizationConstants? {
        guard scaling == .unitRange else { return nil }
        return NormalizationConstants(mean: [0.5038126], std: [0.20589863], source: "SimCMF global_settings.py, nir")
    }

    /// Index of the NIR band.
    public var bandIndex: Int {
        switch band {
        case .index(let i): return i
        case .name(let n): return bandNames.firstIndex(of: n)!
        }
    }

    public func samples(in root: URL) throws -> [SampleFiles] { try layout.samples(in: root) }

    public func decode(_ sample: SampleFiles, root: URL) throws -> ChannelImage {
        guard sample.inputs.count == 1 else { throw ModalityError.inputCount(sample: sample.id, expected: 1, got: sample.inputs.count) }
        let path = sample.inputs[0]
        let raw = try SourceFiles.image(path, root: root, sample: sample.id)
        let b = bandIndex
        guard b < raw.channels else {
            throw ModalityError.invalidContent(file: path, field: "band", expected: "an index below the \(raw.channels) bands", got: "\(b)")
        }
        if !bandNames.isEmpty, bandNames.count != raw.channels {
            throw ModalityError.invalidContent(file: path, field: "bands", expected: "\(bandNames.count) (\(bandNames.joined(separator: ", ")))",
                                               got: "\(raw.channels)")
        }
        let stored = raw.toTensor().slice(axis: 0, b..<(b + 1))
        // value × scale / divisor + offset, the divisor being the dtype maximum for `.unitRange`.
        let (scale, divisor, offset): (Double, Double, Double)
        switch scaling {
        case .unitRange: (scale, divisor, offset) = (1, raw.dtype.isFloatingPoint ? 1 : (raw.dtype.integerMaximum ?? 1), 0)
        case let .linear(s, o): (scale, divisor, offset) = (s, 1, o)
        }
        var v = stored.scalars
        var mask = [Float](repeating: 1, count: v.count)
        var invalid = false
        for i in v.indices {
            if !v[i].isFinite || nodata.map({ Double(v[i]) == $0 }) == true { v[i] = 0; mask[i] = 0; invalid = true }
            else { v[i] = Float(Double(v[i]) * scale / divisor + offset) }
        }
        return ChannelImage(values: Tensor(shape: stored.shape, values: v), channels: channels,
                            validMask: invalid ? Tensor(shape: [raw.height, raw.width], values: mask) : nil)
    }
}
