import AIMS
import Foundation
import SimCMF

/// The training progress line on stderr (`aims train`, `aims demo`): epoch, step, loss, learning rate, images/s
/// (of every rank) and ETA, redrawn at most every half second and at the end of each epoch; under mpirun also
/// the global step and the ranks.
struct TrainingProgressLine {
    private var lastDraw = Date.distantPast

    mutating func draw(_ p: TrainingProgress, epochs: Int) {
        let now = Date()
        guard p.step == p.stepsPerEpoch || now.timeIntervalSince(lastDraw) >= 0.5 else { return }
        lastDraw = now
        let ranks = p.ranks > 1 ? String(format: " (global step %d/%d, %d ranks)", p.globalStep, p.totalSteps, p.ranks) : ""
        Console.error(String(format: "epoch %d/%d step %d/%d%@  loss %.4f  lr %.2e  %.2f img/s  ETA %@", p.epoch + 1, epochs,
                             p.step, p.stepsPerEpoch, ranks, p.loss, Double(p.learningRate), p.imagesPerSecond, DurationText.format(p.etaSeconds)))
    }
}
