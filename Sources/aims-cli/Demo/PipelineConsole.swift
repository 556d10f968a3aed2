import AIMS
import Foundation

/// Draws a library pipeline's events (`PipelineEvent`) on stderr: `== <name> i/n: title` per stage, `$ command`
/// per step, notes as they come, a progress bar per counted step and the training progress line.
final class PipelineConsole {
    private let name: String
    private var counter: (label: String, reporter: ProgressReporter)?
    private var training = TrainingProgressLine()

    /// `name` heads each stage line (`aims demo`, `aims benchmark`).
    init(name: String) { self.name = name }

    func show(_ event: PipelineEvent) {
        switch event {
        case let .stage(index, count, title): Console.error("== \(name) \(index)/\(count): \(title)")
        case let .command(line): Console.error("$ " + line)
        case let .note(text): Console.error(text)
        case let .count(label, done, total, unit):
            if done == 0 || counter?.label != label || counter?.reporter.total != total {
                counter = (label, ProgressReporter(label: label, total: total, unit: unit))
            }
            if done > 0 { counter?.reporter.update(done) }
        case let .training(progress, epochs): training.draw(progress, epochs: epochs)
        }
    }
}
