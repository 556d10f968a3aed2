import AIMS
import Foundation
import Modalities

/// `aims bench convert --modality ID INPUT...`: `aims convert`'s whole path (decode + write, the same library calls)
/// timed over real inputs of any modality, in files per second.
enum ModalityConvertBench {
    struct Report: Codable {
        var modality: String, format: String
        /// Jobs converted per run, runs, processor count.
        var inputs: Int, repetitions: Int, threads: Int
        /// Best seconds over the repetitions for all inputs.
        var bestSeconds: Double
        var filesPerSecond: Double
    }

    /// Converts every job `repetitions` times into a temporary folder (removed afterwards); the best run counts.
    static func run(modality id: String, inputs: [String], format: ConversionFormat, repetitions: Int) throws -> Report {
        let modality = try ModalityRegistry.standard.require(id)
        let jobs = try ConversionInputs.jobs(inputs, modality: modality, volumes: format == .nifti)
        let conversion = ChannelConversion(modality: modality, writer: ChannelFileWriter(format: format))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("aims-bench-convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var best = Double.infinity
        for rep in 0..<repetitions {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = conversion.run(jobs, into: scratch)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            if let f = r.failed.first { throw UsageError(message: "\(f.input): \(f.error)") }
            Console.error("bench convert: run \(rep + 1)/\(repetitions)")
        }
        return Report(modality: id, format: format.rawValue, inputs: jobs.count, repetitions: repetitions,
                      threads: ProcessInfo.processInfo.activeProcessorCount, bestSeconds: best,
                      filesPerSecond: Double(jobs.count) / best)
    }
}
