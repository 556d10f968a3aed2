import Foundation
import ImageIO
import Modalities
import TensorCore
import TensorFiles
import Transforms

/// Writes one decoded `ChannelImage` as a converted file with its channel metadata; every file atomically, and
/// when one of an output's files fails the others already written for it are removed.
public struct ChannelFileWriter: Sendable {
    public var format: ConversionFormat
    /// Channel names to keep, in order (matched case-insensitively; `valid` is the valid-pixel mask); nil keeps all.
    public var channels: [String]?
    /// PNG bits per sample: 8 or 16.
    public var pngBits: Int
    /// PNG: the CT window for Hounsfield channels.
    public var window: CTWindow?

    public init(format: ConversionFormat, channels: [String]? = nil, pngBits: Int = 16, window: CTWindow? = nil) {
        self.format = format
        self.channels = channels
        self.pngBits = pngBits
        self.window = window
    }

    /// The planes to write for an image with `descriptors`: `(plane index or nil for the mask, channel)`.
    /// - Throws: `ConversionError.unknownChannel` for a requested name the image does not have.
    public func selection(_ descriptors: [ChannelDescriptor]) throws -> [(plane: Int?, channel: ChannelFileMetadata.Channel)] {
        let all = descriptors.enumerated().map { (Optional($0.offset), ChannelFileMetadata.Channel($0.element)) }
        guard let channels else { return all }
        return try channels.map { name in
            if name.lowercased() == "valid" { return (nil, .validMask) }
            guard let hit = all.first(where: { $0.1.name.lowercased() == name.lowercased() }) else {
                throw ConversionError.unknownChannel(name: name, known: descriptors.map(\.name) + ["valid"])
            }
            return hit
        }
    }

    /// Writes `image` to `stem` + the format's extension (PNG: `stem_<channel>.png` each, plus `stem.json`).
    /// Invalid pixels (`validMask` 0) are NaN in float outputs and 0 in PNG. Returns the files written.
    public func write(_ image: ChannelImage, modality: String, source: [String], to stem: URL,
                      notes: [String: String]? = nil) throws -> [URL] {
        try FileManager.default.createDirectory(at: stem.deletingLastPathComponent(), withIntermediateDirectories: true)
        let chosen = try selection(image.channels)
        let h = image.height, w = image.width, n = h * w
        let mask = image.validMask
        /// Plane `p` (nil: the mask) with invalid pixels NaN, written to `dst` (`n` floats).
        func fill(_ dst: UnsafeMutablePointer<Float>, _ p: Int?) {
            guard let p else {
                if let mask { mask.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: n) } } else { dst.update(repeating: 1, count: n) }
                return
            }
            image.values.withUnsafeBufferPointer { all in
                let src = all.baseAddress! + p * n
                guard let mask else { return dst.update(from: src, count: n) }
                mask.withUnsafeBufferPointer { m in for i in 0..<n { dst[i] = m[i] == 0 ? .nan : src[i] } }
            }
        }
        func plane(_ p: Int?) -> [Float] { [Float](unsafeUninitializedCapacity: n) { b, count in fill(b.baseAddress!, p); count = n } }
        var meta = ChannelFileMetadata(modality: modality, source: source, shape: [chosen.count, h, w], channels: chosen.map(\.channel),
                                       invalid: format == .png ? "0" : "NaN", notes: notes)
        var written: [URL] = []
        do {
            switch format {
            case .tiff, .npy, .nifti:
                let stacked = Tensor(shape: [chosen.count, h, w]) { out in
                    for (k, c) in chosen.enumerated() { fill(out.baseAddress! + k * n, c.plane) }
                }
                if format == .tiff {
                    let url = stem.appendingPathExtension("tif")
                    try TIFFCodec.write(RawImage(tensor: stacked, dtype: .float32), to: url, description: try meta.json())
                    written.append(url)
                } else if format == .npy {
                    let url = stem.appendingPathExtension("npy")
                    try NPY.write(stacked, to: url)
                    written.append(url)
                    written.append(try writeSidecar(meta, stem: stem))
                } else {
                    throw ConversionError.notAVolume(file: source.first ?? stem.lastPathComponent)
                }
            case .png:
                for (k, s) in chosen.enumerated() {
                    let v = plane(s.plane)
                    let q = PNGQuantization.choose(kind: s.channel.kind, period: s.channel.period, values: v, bits: pngBits, window: window)
                    let url = stem.deletingLastPathComponent().appendingPathComponent(stem.lastPathComponent + "_" + Self.slug(s.channel.name) + ".png")
                    let codes = Tensor(shape: [1, h, w], values: v.map(q.code))
                    try PNGCodec.write(RawImage(tensor: codes, dtype: pngBits == 8 ? .uint8 : .uint16), to: url)
                    written.append(url)
                    if let win = q.window {
                        meta.channels[k].windowCenter = win.center
                        meta.channels[k].windowWidth = win.width
                    } else {
                        meta.channels[k].scale = q.scale
                        meta.channels[k].offset = q.offset
                    }
                    meta.channels[k].file = url.lastPathComponent
                }
                written.append(try writeSidecar(meta, stem: stem))
            }
        } catch {
            for u in written { try? FileManager.default.removeItem(at: u) }
            throw error
        }
        return written
    }

    /// Writes `meta` as `stem.json`, atomically.
    func writeSidecar(_ meta: ChannelFileMetadata, stem: URL) throws -> URL {
        let url = ChannelFileMetadata.sidecarURL(stem: stem)
        try AtomicFile.write(Data((try meta.json() + "\n").utf8), to: url)
        return url
    }

    /// A file-name form of a channel name: `"AoLP G"` → `aolp_g`, `"°C"`-free ASCII letters, digits and `_`.
    static func slug(_ name: String) -> String {
        let s = name.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? String($0) : "_" }.joined()
        return s.isEmpty ? "channel" : s
    }
}
