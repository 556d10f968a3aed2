import Foundation
import SimCMF

/// What a library pipeline (`DemoPipeline`, `BenchmarkPipeline`) is doing, for a progress display.
public enum PipelineEvent {
    /// Step `index` of `count` begins.
    case stage(index: Int, count: Int, title: String)
    /// The `aims` command line that does what the next call does.
    case command(String)
    /// A human-readable note (loading, a manifest problem, a checkpoint written, a step skipped as done).
    case note(String)
    /// `done` of `total` items of a step (scenes, samples, images); `done` 0 when a step starts counting.
    case count(label: String, done: Int, total: Int, unit: String)
    /// A training step of a trained method, with the epochs configured.
    case training(TrainingProgress, epochs: Int)
}

/// Forwards events one at a time: the scene writer and the manifest builder report from worker threads.
final class SerialObserver: @unchecked Sendable {
    private let observe: (PipelineEvent) -> Void
    private let lock = NSLock()

    init(_ observe: @escaping (PipelineEvent) -> Void) { self.observe = observe }

    func send(_ event: PipelineEvent) { lock.withLock { observe(event) } }
}
