import Foundation
import ImageIO
import Modalities
import TensorCore
import Transforms

/// `aims convert` as a library call: jobs (from `ConversionInputs`) decoded by any `Modality` (built-in, JSON
/// plugin, composite) and written by a `ChannelFileWriter`; one failed input does not stop the others.
public struct ChannelConversion: Sendable {
    /// Which frames of a multi-frame input (FLIR SEQ) to convert.
    public enum Frames: String, CaseIterable, Sendable {
        /// The modality's configured frame (frame 0 by default).
        case first
        /// Every frame to its own file, `<name>@<k>` (k zero-padded to the count's digits).
        case all
        /// Every frame as one channel of a single file (`<channel>@<k>`).
        case stack
    }

    public struct Converted: Sendable, Codable { public var input: String; public var outputs: [String] }
    public struct Failed: Sendable, Codable { public var input: String; public var error: String }

    public var modality: any Modality
    public var writer: ChannelFileWriter
    public var frames: Frames
    /// Extra facts stored in every output's metadata (e.g. overridden viewing conditions).
    public var notes: [String: String]?

    public init(modality: any Modality, writer: ChannelFileWriter, frames: Frames = .first, notes: [String: String]? = nil) {
        self.modality = modality
        self.writer = writer
        self.frames = frames
        self.notes = notes
    }

    /// Converts every job into `out`; `progress(k, job, error)` is called after each (k = jobs done).
    public func run(_ jobs: [ConversionJob], into out: URL,
                    progress: (Int, ConversionJob, (any Error)?) -> Void = { _, _, _ in }) -> (converted: [Converted], failed: [Failed]) {
        var converted: [Converted] = [], failed: [Failed] = []
        for (k, job) in jobs.enumerated() {
            do {
                let urls = try convert(job, into: out)
                converted.append(Converted(input: job.display, outputs: urls.map(\.path)))
                progress(k + 1, job, nil)
            } catch {
                failed.append(Failed(input: job.display, error: Self.describe(error)))
                progress(k + 1, job, error)
            }
        }
        return (converted, failed)
    }

    /// Converts one job; returns the files written.
    public func convert(_ job: ConversionJob, into out: URL) throws -> [URL] {
        let stem = out.appendingPathComponent(job.output)
        if let volume = job.volume { return try VolumeConversion.write(volume, modality: modality, to: stem, notes: notes) }
        let sequence = modality as? any FrameSequenceModality
        let count = frames == .first || job.sample.frame != nil ? 1 : try sequence?.frameCount(job.sample, root: job.root) ?? 1
        // Every file of a multi-file sample (a composite's parts) is named as a source.
        let sources = job.sample.inputs.count > 1 ? job.sample.inputs.map { job.root.appendingPathComponent($0).path } : [job.display]
        guard count > 1 else {
            return try writer.write(modality.decode(job.sample, root: job.root), modality: modality.identifier,
                                    source: sources, to: stem, notes: notes)
        }
        let digits = String(count - 1).count
        func tag(_ k: Int) -> String { "@" + String(repeating: "0", count: digits - String(k).count) + String(k) }
        var perFrame: [ChannelImage] = []
        var written: [URL] = []
        for k in 0..<count {
            var sample = job.sample
            sample.frame = k
            let image = try modality.decode(sample, root: job.root)
            if frames == .all {
                let base = stem.deletingLastPathComponent().appendingPathComponent(stem.lastPathComponent + tag(k))
                written += try writer.write(image, modality: modality.identifier, source: [job.display + tag(k)], to: base, notes: notes)
            } else {
                perFrame.append(image)
            }
        }
        guard frames == .stack else { return written }
        return try writer.write(Self.stack(perFrame, tags: (0..<count).map(tag)), modality: modality.identifier,
                                source: [job.display], to: stem, notes: notes)
    }

    /// Frames as channels: channel names suffixed with each frame's tag; invalid where any frame is.
    static func stack(_ images: [ChannelImage], tags: [String]) -> ChannelImage {
        let channels = zip(images, tags).flatMap { image, t in image.channels.map { ChannelDescriptor(name: $0.name + t, unit: $0.unit, kind: $0.kind) } }
        var mask: [Float]? = nil
        for m in images.compactMap(\.validMask) {
            let v = m.scalars
            if mask == nil { mask = v } else { for i in v.indices { mask![i] *= v[i] } }
        }
        let h = images[0].height, w = images[0].width
        return ChannelImage(values: Tensor.concat(images.map(\.values), axis: 0), channels: channels,
                            validMask: mask.map { Tensor(shape: [h, w], values: $0) })
    }

    /// An error's message for a person (its `LocalizedError` description when it has one).
    public static func describe(_ error: any Error) -> String {
        (error as? LocalizedError)?.errorDescription ?? "\(error)"
    }
}
