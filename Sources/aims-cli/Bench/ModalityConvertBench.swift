import AIMS
import Foundation
import Modalities
import TensorCore

/// `aims bench convert --modality ID INPUT...`: `aims convert`'s whole path (decode + write, the same library calls)
/// timed over real inputs of any modality, in files per second.
enum ModalityConvertBench {
    struct Report: Codable {
        var modality: String, format: String
        /// Jobs converted per run, runs, worker threads (`Parallel.workerCount`: `AIMS_THREADS` or the processor count).
        var inputs: Int, repetitions: Int, threads: Int
        /// Converted images written per run (one per job, one per frame with `--frames all`; sidecars not counted).
        var images: Int
        /// Best seconds over the repetitions for all inputs.
        var bestSeconds: Double
        /// Images written per second in the best run.
        var filesPerSecond: Double
    }

    /// Converts every job `repetitions` times into a temporary folder (removed afterwards); the best run counts.
    static func run(modality id: String, inputs: [String], format: ConversionFormat, frames: ChannelConversion.Frames,
                    repetitions: Int) throws -> Report {
        let modality = try ModalityRegistry.standard.require(id)
        let jobs = try ConversionInputs.jobs(inputs, modality: modality, volumes: format == .nifti)
        let conversion = ChannelConversion(modality: modality, writer: ChannelFileWriter(format: format), frames: frames)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("aims-bench-convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var best = Double.infinity, images = 0
        for rep in 0..<repetitions {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = conversion.run(jobs, into: scratch)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            if let f = r.failed.first { throw UsageError(message: "\(f.input): \(f.error)") }
            images = r.converted.reduce(0) { $0 + $1.outputs.filter { !$0.hasSuffix(".json") }.count }
            Console.error("bench convert: run \(rep + 1)/\(repetitions)")
        }
        return Report(modality: id, format: format.rawValue, inputs: jobs.count, repetitions: repetitions, threads: Parallel.workerCount,
                      images: images, bestSeconds: best, filesPerSecond: Double(images) / best)
    }
}
