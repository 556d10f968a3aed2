import Foundation
import ImageIO
import TensorCore
import Transforms

/// Polarization cameras, decoded with the physics module (`PolarizationDemosaicing`, `LinearStokes`,
/// `PolarizationChannels`, `ZJUPolarizationCompatibility`):
/// - four files per sample behind polarizers at 0°, 45°, 90°, 135° (grey or RGB, e.g. ZJU-RGBP), or
/// - one raw division-of-focal-plane mosaic per sample: Sony IMX250MZR (mono) or IMX250MYR (colour), or a mono
///   mosaic read as colour (R = G = B) for a model trained on a colour camera.
///
/// Output (`ChannelSet.stokes`), C colours (1 or 3): S0 × C (unit of the input, `"counts"`), DoLP × C (`"1"`, clamped
/// to [0, 1] unless `clampDoLP` is false: interpolation noise at edges can push √(S1²+S2²) above S0), AoLP × C (`"rad"`, [0, π), kind `.angle(period: π)`), optionally cos 2·AoLP × C and sin 2·AoLP × C.
/// `ChannelSet.zju` gives SimCMF's ZJU-RGBP encoding instead: I × C, AoLP × C in (−π/4, π/4) (period π/2), DoLP × C.
public struct PolarizationModality: Modality {
    /// How a sample was captured.
    public enum Capture: Sendable, Equatable {
        /// Four images per sample at 0°, 45°, 90°, 135°, each with `colours` channels (1 grey, 3 RGB).
        case fourAngles(colours: Int)
        /// A raw mono DoFP mosaic (IMX250MZR) with this superpixel layout.
        case monoMosaic(PolarizerMosaicLayout)
        /// A raw colour DoFP mosaic (IMX250MYR: polarizer superpixels under a Bayer RGGB of 2×2 blocks).
        case colourMosaic(PolarizerMosaicLayout)
        /// A raw mono DoFP mosaic read as colour: each of R, G, B is the grey plane, the way SAM reads a grey image
        /// (its three input channels repeat it). For running a model trained on a colour polarization camera on a
        /// mono one; the colour channels then carry no colour information.
        case monoMosaicAsRGB(PolarizerMosaicLayout)

        var colours: Int {
            switch self {
            case .fourAngles(let c): return c
            case .monoMosaic: return 1
            case .colourMosaic, .monoMosaicAsRGB: return 3
            }
        }

        /// The superpixel layout of a mosaic capture; nil for four-angle captures.
        public var mosaicLayout: PolarizerMosaicLayout? {
            switch self {
            case .fourAngles: return nil
            case .monoMosaic(let l), .colourMosaic(let l), .monoMosaicAsRGB(let l): return l
            }
        }

        /// The same capture with another superpixel layout (four-angle captures unchanged).
        public func withMosaicLayout(_ layout: PolarizerMosaicLayout) -> Capture {
            switch self {
            case .fourAngles: return self
            case .monoMosaic: return .monoMosaic(layout)
            case .colourMosaic: return .colourMosaic(layout)
            case .monoMosaicAsRGB: return .monoMosaicAsRGB(layout)
            }
        }
    }

    /// Which channels `decode` produces.
    public enum ChannelSet: Sendable, Equatable {
        /// S0, DoLP, AoLP per colour, plus (cos 2·AoLP, sin 2·AoLP) per colour when `doubledAngle`.
        case stokes(doubledAngle: Bool)
        /// SimCMF's `ZJU_RGBP.raw2rgbp` (docs/REFERENCE.md §7): I, AoLP (plain arctan), DoLP per colour.
        case zju
    }

    public var identifier: String
    public var capture: Capture
    public var channelSet: ChannelSet
    /// Interpolation of the mosaic (unused for four-angle captures).
    public var method: PolarizationDemosaicMethod
    /// Caps DoLP at 1 (physical bound); false keeps the raw ratio, which reveals noise or miscalibration.
    public var clampDoLP: Bool
    public var layout: SampleLayout

    /// - Parameters:
    ///   - patterns: four patterns (0°, 45°, 90°, 135°) for `.fourAngles`, one for a mosaic. Defaults: ZJU-RGBP's
    ///     `0/{id}_0°.png` … `135/{id}_135°.png`, or `polarization/{id}.*` for a mosaic.
    ///   - label: label pattern; `nil` (the default) means ZJU's `label_sam/{id}.png` for four-angle captures, else
    ///     `labels/{id}.*`; `.some(nil)` means the samples have no labels.
    public init(identifier: String, capture: Capture, channelSet: ChannelSet = .stokes(doubledAngle: false),
                method: PolarizationDemosaicMethod = .bilinear, clampDoLP: Bool = true, patterns: [String]? = nil,
                label: String?? = nil) throws {
        let defaults: [String]
        let defaultLabel: String
        if case .fourAngles(let c) = capture {
            guard c == 1 || c == 3 else {
                throw ModalityError.invalidSpec(file: identifier, field: "capture colours", expected: "1 or 3", got: "\(c)")
            }
            defaults = [0, 45, 90, 135].map { "\($0)/{id}_\($0)°.png" }
            defaultLabel = "label_sam/{id}.png"
        } else {
            defaults = ["polarization/{id}.*"]
            defaultLabel = "labels/{id}.*"
        }
        let p = patterns ?? defaults
        guard p.count == defaults.count else {
            throw ModalityError.invalidSpec(file: identifier, field: "patterns", expected: "\(defaults.count) patterns", got: "\(p.count)")
        }
        self.identifier = identifier
        self.capture = capture
        self.channelSet = channelSet
        self.method = method
        self.clampDoLP = clampDoLP
        let labelPattern: String? = label ?? defaultLabel
        layout = SampleLayout(inputs: try p.enumerated().map { try SamplePattern($1, field: "patterns[\($0)]", file: identifier) },
                              label: try labelPattern.map { try SamplePattern($0, field: "label", file: identifier) })
    }

    public var summary: String {
        let source: String
        switch capture {
        case .fourAngles(let c): source = "four \(c == 3 ? "RGB" : "grey") images at 0/45/90/135°"
        case .monoMosaic(let l): source = "IMX250MZR mono mosaic \(l.anglesDegrees)"
        case .colourMosaic(let l): source = "IMX250MYR colour mosaic \(l.anglesDegrees)"
        case .monoMosaicAsRGB(let l): source = "IMX250MZR mono mosaic \(l.anglesDegrees) read as RGB (R = G = B)"
        }
        switch channelSet {
        case .stokes(let d): return source + " -> S0, DoLP, AoLP" + (d ? ", cos/sin 2AoLP" : "")
        case .zju: return source + " -> ZJU-RGBP I, AoLP, DoLP"
        }
    }

    var colourNames: [String] { capture.colours == 3 ? ["R", "G", "B"] : [""] }

    public var channels: [ChannelDescriptor] {
        func named(_ base: String, _ unit: String, _ kind: ChannelKind) -> [ChannelDescriptor] {
            colourNames.map { ChannelDescriptor(name: $0.isEmpty ? base : "\(base) \($0)", unit: unit, kind: kind) }
        }
        switch channelSet {
        case .stokes(let doubled):
            return named("S0", "counts", .intensity) + named("DoLP", "1", .intensity) + named("AoLP", "rad", .angle(period: .pi))
                + (doubled ? named("cos 2AoLP", "1", .intensity) + named("sin 2AoLP", "1", .intensity) : [])
        case .zju:
            return named("I", "counts", .intensity) + named("AoLP (ZJU)", "rad", .angle(period: .pi / 2))
                + named("DoLP (ZJU)", "1", .intensity)
        }
    }

    /// SimCMF's `zju-rgbp` mean/std (docs/REFERENCE.md §7) for the ZJU channel set of RGB captures; nil otherwise.
    public var normalization: NormalizationConstants? {
        guard channelSet == .zju, capture.colours == 3 else { return nil }
        return NormalizationConstants(
            mean: [141.1251, 141.37535, 138.99559, -0.01452719, -0.014152956, -0.016532706, 0.15173349, 0.1489902, 0.17018148],
            std: [139.9553, 140.5757, 141.13524, 0.38503787, 0.38248295, 0.3834839, 0.13344945, 0.13081141, 0.14260896],
            source: "SimCMF global_settings.py, zju-rgbp")
    }

    public func samples(in root: URL) throws -> [SampleFiles] { try layout.samples(in: root) }

    public func decode(_ sample: SampleFiles, root: URL) throws -> ChannelImage {
        let angles = try angleImages(sample, root: root)
        let file = sample.inputs[0]
        switch channelSet {
        case .zju:
            let values = try ModalityError.wrapping(file) { try ZJUPolarizationCompatibility.encode(angleImages: angles) }
            return ChannelImage(values: values, channels: channels)
        case .stokes(let doubled):
            var image = try ModalityError.wrapping(file) {
                try PolarizationChannels.image(angleImages: angles, unit: "counts", colourNames: colourNames)
            }
            let c = capture.colours
            if clampDoLP {
                let plane = c * image.height * image.width
                image.values.withUnsafeMutableBufferPointer { v in for i in plane..<(2 * plane) where v[i] > 1 { v[i] = 1 } }
            }
            guard doubled else { return image }
            let aolp = image.values.slice(axis: 0, (2 * c)..<(3 * c))
            let encoded = LinearStokes.doubledAngleEncoding(aolp: aolp)  // [2, C, H, W]
            let extra = encoded.reshaped([2 * c, image.height, image.width])
            return ChannelImage(values: Tensor.concat([image.values, extra], axis: 0), channels: channels)
        }
    }

    /// The four angle images of a sample: `[4, H, W]` (grey) or `[4, 3, H, W]` (colour), counts as stored.
    public func angleImages(_ sample: SampleFiles, root: URL) throws -> Tensor {
        switch capture {
        case .fourAngles(let colours):
            guard sample.inputs.count == 4 else { throw ModalityError.inputCount(sample: sample.id, expected: 4, got: sample.inputs.count) }
            var planes: [Tensor] = []
            for path in sample.inputs {
                let raw = try SourceFiles.image(path, root: root, sample: sample.id)
                let ok = colours == 1 ? raw.channels == 1 : (raw.channels == 3 || raw.channels == 4)
                guard ok else {
                    throw ModalityError.invalidContent(file: path, field: "channels", expected: colours == 1 ? "1 (grey)" : "3 (RGB)",
                                                       got: "\(raw.channels)")
                }
                let t = raw.toTensor().slice(axis: 0, 0..<colours)
                if let first = planes.first, first.shape != t.shape {
                    throw ModalityError.shapeMismatch(file: path, field: "angle image", expected: first.shape, got: t.shape)
                }
                planes.append(t)
            }
            let stacked = Tensor.stack(planes, axis: 0)  // [4, C, H, W]
            return colours == 1 ? stacked.reshaped([4, stacked.shape[2], stacked.shape[3]]) : stacked
        case .monoMosaic(let layout), .colourMosaic(let layout), .monoMosaicAsRGB(let layout):
            guard sample.inputs.count == 1 else { throw ModalityError.inputCount(sample: sample.id, expected: 1, got: sample.inputs.count) }
            let path = sample.inputs[0]
            let raw = try SourceFiles.image(path, root: root, sample: sample.id)
            guard raw.channels == 1 else {
                throw ModalityError.invalidContent(file: path, field: "channels", expected: "1 (a raw sensor mosaic)", got: "\(raw.channels)")
            }
            let mosaic = raw.toTensor()
            return try ModalityError.wrapping(path) {
                switch capture {
                case .colourMosaic: return try PolarizationDemosaicing.demosaicColor(mosaic, layout: layout, method: method)
                case .monoMosaicAsRGB:
                    let grey = try PolarizationDemosaicing.demosaicMono(mosaic, layout: layout, method: method)  // [4, H, W]
                    let (h, w) = (grey.shape[1], grey.shape[2])
                    let planes = (0..<4).map { k in
                        let plane = grey.slice(axis: 0, k..<(k + 1))
                        return Tensor.concat([plane, plane, plane], axis: 0)
                    }
                    return Tensor.stack(planes, axis: 0).reshaped([4, 3, h, w])
                default: return try PolarizationDemosaicing.demosaicMono(mosaic, layout: layout, method: method)
                }
            }
        }
    }
}

extension PolarizationModality {
    /// ZJU-RGBP as SimCMF reads it: four RGB PNGs per sample, the ZJU channel set and constants.
    public static func zjuRGBP() -> PolarizationModality {
        try! PolarizationModality(identifier: "zju-rgbp", capture: .fourAngles(colours: 3), channelSet: .zju)
    }

    /// Four RGB images per sample (ZJU-RGBP file layout), physical S0/DoLP/AoLP.
    public static func fourAngleRGB() -> PolarizationModality {
        try! PolarizationModality(identifier: "polarization-4angle", capture: .fourAngles(colours: 3))
    }

    /// Sony IMX250MZR mono mosaics with Sony's superpixel `[[90, 45], [135, 0]]`.
    public static func imx250mzr(doubledAngle: Bool = false) -> PolarizationModality {
        try! PolarizationModality(identifier: "polarization-mono", capture: .monoMosaic(.sonyIMX250),
                                  channelSet: .stokes(doubledAngle: doubledAngle))
    }

    /// IMX250MZR mosaics in polanalyser's pre-3.0 layout `[[0, 45], [135, 90]]` (the real captures in polanalyser's history).
    public static func imx250mzrLegacy(doubledAngle: Bool = false) -> PolarizationModality {
        try! PolarizationModality(identifier: "polarization-mono-legacy", capture: .monoMosaic(.polanalyserLegacy),
                                  channelSet: .stokes(doubledAngle: doubledAngle))
    }

    /// ZJU-RGBP's channels (I, AoLP, DoLP per colour, SimCMF's constants) from the raw IMX250MYR colour mosaic of the
    /// kind of camera ZJU-RGBP was recorded with: a run trained on `zju-rgbp` applied to raw captures.
    /// Files: `polarization-rgb/{id}.*`, labels `labels/{id}.*`.
    public static func zjuRGBPFromColourMosaic() -> PolarizationModality {
        try! PolarizationModality(identifier: "zju-rgbp-mosaic", capture: .colourMosaic(.sonyIMX250), channelSet: .zju,
                                  patterns: ["polarization-rgb/{id}.*"])
    }

    /// ZJU-RGBP's channels from a mono IMX250MZR mosaic read as colour (R = G = B; `Capture.monoMosaicAsRGB`).
    /// Files: `polarization/{id}.*`, labels `labels/{id}.*`.
    public static func zjuRGBPFromMonoMosaic() -> PolarizationModality {
        try! PolarizationModality(identifier: "zju-rgbp-mono", capture: .monoMosaicAsRGB(.sonyIMX250), channelSet: .zju)
    }

    /// Sony IMX250MYR colour mosaics.
    public static func imx250myr(doubledAngle: Bool = false) -> PolarizationModality {
        try! PolarizationModality(identifier: "polarization-rgb", capture: .colourMosaic(.sonyIMX250),
                                  channelSet: .stokes(doubledAngle: doubledAngle))
    }
}
