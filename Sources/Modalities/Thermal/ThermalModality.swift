import Foundation
import ImageIO
import TensorCore
import Transforms

/// Thermal cameras → one channel. The file type is recognised by content:
/// - FLIR radiometric files (FFF, SEQ, R-JPEG): raw counts of frame `frameIndex` converted to °C by
///   `PlanckRadiometry` with the file's own Planck constants and viewing conditions (kind `.temperature`); pixels
///   outside the calibration are 0 with valid mask 0.
/// - NPY arrays `[H, W]` / `[1, H, W]`: `°C = value × scale + offset` (default: already °C, as RGB-T's
///   `temperature.npy`).
/// - plain 8/16-bit images (PNG, TIFF, PNM, greyscale JPEG): with `imageEncoding` `.linear` they give °C (`value × scale + offset`,
///   e.g. centikelvin: 0.01, −273.15); with `.counts` they stay uncalibrated counts (kind `.intensity`).
public struct ThermalModality: Modality {
    /// How plain images and arrays map to the output channel.
    public enum Encoding: Sendable, Equatable {
        /// `°C = stored × scale + offset`.
        case linear(scale: Double, offset: Double)
        /// Uncalibrated sensor counts, channel `"thermal"` in `"counts"`.
        case counts
    }

    public var identifier: String
    /// The mapping for plain images; FLIR files always use their radiometry and NPY arrays `arrayEncoding`.
    public var imageEncoding: Encoding
    /// The mapping for NPY arrays (default `.linear(scale: 1, offset: 0)`: values in °C).
    public var arrayEncoding: Encoding
    /// The frame of a multi-frame FLIR SEQ file to decode.
    public var frameIndex: Int
    /// When true, every frame of a FLIR file is a sample (id `<id>@<k>`, `SampleFiles.frame = k`); listing then
    /// parses each FLIR file once.
    public var framesAsSamples: Bool
    /// Viewing conditions replacing those recorded in FLIR files (none by default).
    public var conditionOverrides = ThermalConditionOverrides()
    public var layout: SampleLayout

    public init(identifier: String = "thermal", imageEncoding: Encoding = .linear(scale: 1, offset: 0),
                arrayEncoding: Encoding = .linear(scale: 1, offset: 0), frameIndex: Int = 0, framesAsSamples: Bool = false,
                pattern: String = "thermal/{id}.*", label: String? = "labels/{id}.*") throws {
        guard frameIndex >= 0 else {
            throw ModalityError.invalidSpec(file: identifier, field: "frameIndex", expected: ">= 0", got: "\(frameIndex)")
        }
        guard (imageEncoding == .counts) == (arrayEncoding == .counts) else {
            throw ModalityError.invalidSpec(file: identifier, field: "arrayEncoding", expected: "counts exactly when imageEncoding is counts",
                                            got: arrayEncoding == .counts ? "counts" : "linear")
        }
        self.identifier = identifier
        self.imageEncoding = imageEncoding
        self.arrayEncoding = arrayEncoding
        self.frameIndex = frameIndex
        self.framesAsSamples = framesAsSamples
        layout = try .single(pattern, field: "thermal pattern", label: label, file: identifier)
    }

    public var summary: String { "thermal (FLIR FFF/SEQ/R-JPEG via Planck radiometry, NPY, 8/16-bit images) -> temperature in °C" }

    public var channels: [ChannelDescriptor] {
        imageEncoding == .counts ? [ChannelDescriptor(name: "thermal", unit: "counts", kind: .intensity)]
            : [ChannelDescriptor(name: "temperature", unit: "°C", kind: .temperature)]
    }

    public func samples(in root: URL) throws -> [SampleFiles] {
        let files = try layout.samples(in: root)
        guard framesAsSamples else { return files }
        return try files.flatMap { s -> [SampleFiles] in
            guard let count = try flirFrameCount(s, root: root) else { return [s] }
            let digits = String(max(count - 1, 0)).count
            return (0..<count).map { k in
                SampleFiles(id: "\(s.id)@\(String(repeating: "0", count: digits - String(k).count))\(k)", inputs: s.inputs,
                            label: s.label, frame: k)
            }
        }
    }

    public func decode(_ sample: SampleFiles, root: URL) throws -> ChannelImage {
        guard sample.inputs.count == 1 else { throw ModalityError.inputCount(sample: sample.id, expected: 1, got: sample.inputs.count) }
        let path = sample.inputs[0]
        let url = try SourceFiles.url(path, root: root, sample: sample.id)
        // An R-JPEG is also a plain JPEG (its visible image): its radiometric data wins.
        if SourceFiles.isRasterImage(url), !FLIRFile.isRadiometricJPEG(url) {
            let raw = try SourceFiles.image(path, root: root, sample: sample.id)
            guard raw.channels == 1 else {
                throw ModalityError.invalidContent(file: path, field: "channels", expected: "1 (a thermal image)", got: "\(raw.channels)")
            }
            return mapped(raw.toTensor(), imageEncoding)
        }
        if SourceFiles.isNPY(url) {
            let plane = try SourceFiles.singlePlane(try SourceFiles.array(path, root: root, sample: sample.id), file: path, field: "array shape")
            return mapped(plane, arrayEncoding)
        }
        let frames = try ModalityError.wrapping(path) { try FLIRFile.frames(contentsOf: url) }
        let index = sample.frame ?? frameIndex
        guard (0..<frames.count).contains(index) else {
            throw ModalityError.invalidContent(file: path, field: "frame index", expected: "0..<\(frames.count)", got: "\(index)")
        }
        return try image(frames[index], file: path)
    }

    /// A FLIR frame as counts or °C (with the viewing-condition overrides).
    private func image(_ frame: FLIRFrame, file: String) throws -> ChannelImage {
        try ModalityError.wrapping(file) {
            let counts = try frame.rawCounts()
            if imageEncoding == .counts {
                return ChannelImage(values: counts, channels: channels)
            }
            return try conditionOverrides.applied(to: frame.cameraInfo).radiometry().temperatureImage(rawCounts: counts)
        }
    }

    /// Every frame of a FLIR file (a SEQ read and parsed once, not once per frame); any other input is one frame.
    public func forEachFrame(_ sample: SampleFiles, root: URL, _ body: (_ index: Int, _ count: Int, ChannelImage) throws -> Void) throws {
        guard let path = sample.inputs.first, sample.inputs.count == 1 else { return try body(0, 1, decode(sample, root: root)) }
        let url = try SourceFiles.url(path, root: root, sample: sample.id)
        guard !SourceFiles.isRasterImage(url) || FLIRFile.isRadiometricJPEG(url), !SourceFiles.isNPY(url) else {
            return try body(0, 1, decode(sample, root: root))
        }
        let frames = try ModalityError.wrapping(path) { try FLIRFile.frames(contentsOf: url) }
        for (k, frame) in frames.enumerated() { try body(k, frames.count, image(frame, file: path)) }
    }

    /// The number of frames of the sample's FLIR file (SEQ: one per FFF frame); 1 for any other input.
    public func frameCount(_ sample: SampleFiles, root: URL) throws -> Int { try flirFrameCount(sample, root: root) ?? 1 }

    /// The number of frames of the sample's FLIR file; nil when the input is not a FLIR file (plain image, NPY).
    private func flirFrameCount(_ sample: SampleFiles, root: URL) throws -> Int? {
        guard let path = sample.inputs.first else { return nil }
        let url = try SourceFiles.url(path, root: root, sample: sample.id)
        guard !SourceFiles.isRasterImage(url) || FLIRFile.isRadiometricJPEG(url), !SourceFiles.isNPY(url) else { return nil }
        return try ModalityError.wrapping(path) { try FLIRFile.frames(contentsOf: url) }.count
    }

    /// Applies `encoding` to `[1, H, W]` values; non-finite values become 0 with valid mask 0.
    private func mapped(_ plane: Tensor, _ encoding: Encoding) -> ChannelImage {
        let (scale, offset): (Double, Double)
        switch encoding {
        case .counts: (scale, offset) = (1, 0)
        case let .linear(s, o): (scale, offset) = (s, o)
        }
        var v = plane.scalars
        var mask = [Float](repeating: 1, count: v.count)
        var invalid = false
        for i in v.indices {
            if v[i].isFinite { v[i] = Float(Double(v[i]) * scale + offset) } else { v[i] = 0; mask[i] = 0; invalid = true }
        }
        let h = plane.shape[1], w = plane.shape[2]
        return ChannelImage(values: Tensor(shape: [1, h, w], values: v), channels: channels,
                            validMask: invalid ? Tensor(shape: [h, w], values: mask) : nil)
    }
}
