import Foundation
import ImageIO
import TensorCore
import Transforms

/// One input file of a SimCMF dataset sample, read exactly as the reference's `dataset.py` reads it
/// (docs/REFERENCE.md §7). Every case gives dimensionless planes in [0, 1] (`ToTensor` of uint8 data).
public enum ReferencePlane: Sendable, Equatable {
    /// An 8-bit colour image (RGB JPEG/PNG, or PGSNet's 3-channel 8-bit TIFFs): the three colour planes / 255.
    /// `names` labels the three channels.
    case colour(names: [String])
    /// Pillow `.convert('L')` of an image (grey as stored; colour by ITU-R 601-2 luma
    /// `(19595 R + 38470 G + 7471 B + 32768) >> 16`), then / 255. `name` labels the channel.
    case luma(name: String)
    /// An `.npy` array `[H, W]` scaled per image by min-max to `[0, 255]`, truncated to uint8 (NumPy
    /// `astype(uint8)` and Pillow's F → L both truncate), then / 255: NYU depth and RGB-T temperature.
    case minMaxTruncated(name: String, kind: ChannelKind, unit: String)

    /// The channels this input contributes.
    public var channels: [ChannelDescriptor] {
        switch self {
        case .colour(let names): return names.map { ChannelDescriptor(name: $0, unit: "1", kind: .intensity) }
        case .luma(let name): return [ChannelDescriptor(name: name, unit: "1", kind: .intensity)]
        case let .minMaxTruncated(name, kind, unit): return [ChannelDescriptor(name: name, unit: unit, kind: kind)]
        }
    }

    /// Reads `root/path` as `[k, H, W]` with `k == channels.count`.
    public func read(_ path: String, root: URL, sample: String) throws -> Tensor {
        switch self {
        case .colour:
            let raw = try SourceFiles.image(path, root: root, sample: sample)
            guard raw.dtype == .uint8, raw.channels == 3 || raw.channels == 4 else {
                throw ModalityError.invalidContent(file: path, field: "pixel format", expected: "8-bit RGB (or RGBA)",
                                                   got: "\(raw.channels) channel(s) of \(raw.dtype)")
            }
            return ImageScaling.unitRange(raw).slice(axis: 0, 0..<3)
        case .luma:
            let raw = try SourceFiles.image(path, root: root, sample: sample)
            guard raw.dtype == .uint8 else {
                throw ModalityError.invalidContent(file: path, field: "pixel format", expected: "8-bit grey or colour", got: "\(raw.dtype)")
            }
            return Self.luma(raw)
        case .minMaxTruncated:
            let array = try SourceFiles.array(path, root: root, sample: sample)
            let plane = try SourceFiles.singlePlane(array, file: path, field: "array shape")
            return Self.minMaxTruncated(plane)
        }
    }

    /// Pillow's `convert('L')`: grey (1 or 2 channels) as stored, colour by integer 601-2 luma; / 255.
    static func luma(_ raw: RawImage) -> Tensor {
        let n = raw.width * raw.height, c = raw.channels
        return raw.bytes.withUnsafeBufferPointer { b in
            Tensor(shape: [1, raw.height, raw.width]) { out in
                for i in 0..<n {
                    let v: UInt32
                    if c >= 3 {
                        v = (19595 * UInt32(b[i * c]) + 38470 * UInt32(b[i * c + 1]) + 7471 * UInt32(b[i * c + 2]) + 0x8000) >> 16
                    } else {
                        v = UInt32(b[i * c])
                    }
                    out[i] = Float(Double(v) / 255)
                }
            }
        }
    }

    /// `floor((x - min) / (max - min) * 255) / 255` per pixel (in Float64 as NumPy); a constant array gives NaN
    /// in the reference (0/0) and 0 here.
    static func minMaxTruncated(_ plane: Tensor) -> Tensor {
        plane.withUnsafeBufferPointer { v in
            var lo = Double.infinity, hi = -Double.infinity
            for x in v where x.isFinite { lo = min(lo, Double(x)); hi = max(hi, Double(x)) }
            let span = hi - lo
            return Tensor(shape: plane.shape) { out in
                for i in 0..<v.count {
                    guard span > 0, v[i].isFinite else { out[i] = 0; continue }
                    let scaled = (Double(v[i]) - lo) / span * 255
                    out[i] = Float(Double(UInt8(max(0, min(255, scaled.rounded(.towardZero))))) / 255)
                }
            }
        }
    }
}
