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

    /// Converts every job into `out`, `workers` jobs at a time (default `Parallel.workerCount`: `AIMS_THREADS` or the
    /// processor count; small files gain from this where their own loops are too short to split); the lists keep the
    /// jobs' order. `progress(k, job, error)` is called after each (k = jobs done), one call at a time.
    public func run(_ jobs: [ConversionJob], into out: URL, workers: Int = Parallel.workerCount,
                    progress: (Int, ConversionJob, (any Error)?) -> Void = { _, _, _ in }) -> (converted: [Converted], failed: [Failed]) {
        var results = [Result<[URL], any Error>?](repeating: nil, count: jobs.count)
        let lock = NSLock()
        nonisolated(unsafe) var next = 0, done = 0
        withoutActuallyEscaping(progress) { progress in
            nonisolated(unsafe) let progress = progress
            results.withUnsafeMutableBufferPointer { slots in
                nonisolated(unsafe) let slots = slots
                DispatchQueue.concurrentPerform(iterations: max(1, min(workers, jobs.count))) { _ in
                    while true {
                        lock.lock(); let k = next; next += 1; lock.unlock()
                        guard k < jobs.count else { return }
                        let result = Result { try convert(jobs[k], into: out) }
                        lock.lock()
                        slots[k] = result
                        done += 1
                        if case .failure(let error) = result { progress(done, jobs[k], error) } else { progress(done, jobs[k], nil) }
                        lock.unlock()
                    }
                }
            }
        }
        var converted: [Converted] = [], failed: [Failed] = []
        for (job, result) in zip(jobs, results) {
            switch result {
            case .success(let urls)?: converted.append(Converted(input: job.display, outputs: urls.map(\.path)))
            case .failure(let error)?: failed.append(Failed(input: job.display, error: Self.describe(error)))
            case nil: break
            }
        }
        return (converted, failed)
    }

    /// Converts one job; returns the files written.
    public func convert(_ job: ConversionJob, into out: URL) throws -> [URL] {
        let stem = out.appendingPathComponent(job.output)
        if let volume = job.volume { return try VolumeConversion.write(volume, modality: modality, to: stem, notes: notes) }
        // Every file of a multi-file sample (a composite's parts) is named as a source.
        let sources = job.sample.inputs.count > 1 ? job.sample.inputs.map { job.root.appendingPathComponent($0).path } : [job.display]
        guard frames != .first, job.sample.frame == nil, let sequence = modality as? any FrameSequenceModality else {
            return try writer.write(modality.decode(job.sample, root: job.root), modality: modality.identifier,
                                    source: sources, to: stem, notes: notes)
        }
        func tag(_ k: Int, of count: Int) -> String {
            let digits = String(count - 1).count
            return "@" + String(repeating: "0", count: digits - String(k).count) + String(k)
        }
        var perFrame: [ChannelImage] = []
        var written: [URL] = []
        try sequence.forEachFrame(job.sample, root: job.root) { k, count, image in
            if count == 1 {
                written = try writer.write(image, modality: modality.identifier, source: sources, to: stem, notes: notes)
            } else if frames == .all {
                let base = stem.deletingLastPathComponent().appendingPathComponent(stem.lastPathComponent + tag(k, of: count))
                written += try writer.write(image, modality: modality.identifier, source: [job.display + tag(k, of: count)], to: base, notes: notes)
            } else {
                perFrame.append(image)
            }
        }
        guard perFrame.count > 1 else { return written }
        return try writer.write(Self.stack(perFrame, tags: perFrame.indices.map { tag($0, of: perFrame.count) }), modality: modality.identifier,
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
