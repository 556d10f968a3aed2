import Distributed
import Foundation

/// What one rank's share of an evaluation found, and all ranks' shares gathered in rank order (which is
/// example order: the shares are contiguous). Doubles travel as their bit patterns, so the gathered
/// scores are bit-identical to those computed, and so are the means over them. One mechanism for every
/// protocol: `Score` is a `RegionScore` (`Evaluator`) or an `InteractiveRegionScore` (`InteractiveEvaluator`).
struct EvaluationShare<Score: GatheredScore> {
    var scores: [Score]
    /// One loss per score under `Evaluator`; empty under `InteractiveEvaluator` (its scores carry their loss).
    var losses: [Double]
    var skipped: Int
    var images: Int

    private struct Wire: Codable {
        var scores: [Score.Wire]
        var losses: [UInt64]
        var skipped: Int, images: Int
    }

    func gathered(on communicator: any Communicator) throws -> EvaluationShare {
        let wire = Wire(scores: scores.map(\.wire), losses: losses.map(\.bitPattern), skipped: skipped, images: images)
        let parts = try communicator.allGather(Array(try JSONEncoder().encode(wire)))
        var all = EvaluationShare(scores: [], losses: [], skipped: 0, images: 0)
        for (rank, bytes) in parts.enumerated() {
            let w = try? JSONDecoder().decode(Wire.self, from: Data(bytes))
            let scores = w?.scores.compactMap(Score.init(wire:))
            guard let w, let scores, scores.count == w.scores.count else {
                throw DistributedError.inconsistent(what: "evaluation scores", detail: "rank \(rank) sent unreadable scores")
            }
            all.scores += scores
            all.losses += w.losses.map(Double.init(bitPattern:))
            all.skipped += w.skipped; all.images += w.images
        }
        return all
    }
}

/// A per-region score as `EvaluationShare` sends it between ranks: its floating-point values as bit patterns
/// (a JSON number need not read back as the same bits, and NaN has none), the rest as JSON.
protocol GatheredScore {
    associatedtype Wire: Codable
    var wire: Wire { get }
    /// nil when the wire's bit patterns do not fit its score (a rank sent something else).
    init?(wire: Wire)
}

extension RegionScore: GatheredScore {
    /// The score without its floating-point values, and their bit patterns (click x, y; IoU, Dice; full resolution).
    struct Wire: Codable {
        var score: RegionScore
        var click: [UInt32], iou: UInt64, dice: UInt64, fullIoU: UInt64?, fullDice: UInt64?
    }

    var wire: Wire {
        var bare = self
        bare.click = Click(x: 0, y: 0); bare.iou = 0; bare.dice = 0; bare.fullResolutionIoU = nil; bare.fullResolutionDice = nil
        return Wire(score: bare, click: [click.x.bitPattern, click.y.bitPattern], iou: iou.bitPattern, dice: dice.bitPattern,
                    fullIoU: fullResolutionIoU?.bitPattern, fullDice: fullResolutionDice?.bitPattern)
    }

    init?(wire w: Wire) {
        guard w.click.count == 2 else { return nil }
        self = w.score
        click = Click(x: Float(bitPattern: w.click[0]), y: Float(bitPattern: w.click[1]))
        iou = Double(bitPattern: w.iou); dice = Double(bitPattern: w.dice)
        fullResolutionIoU = w.fullIoU.map(Double.init(bitPattern:)); fullResolutionDice = w.fullDice.map(Double.init(bitPattern:))
    }
}

extension InteractiveRegionScore: GatheredScore {
    /// The score without its floating-point values (the loss may be NaN: a diverged model), and their bit patterns
    /// (every click's x and y in turn; the IoU after each click; the first prediction's Dice and loss).
    struct Wire: Codable {
        var score: InteractiveRegionScore
        var clicks: [UInt32], ious: [UInt64], firstDice: UInt64, firstLoss: UInt64
    }

    var wire: Wire {
        var bare = self
        bare.clicks = clicks.map { InteractiveClick(x: 0, y: 0, positive: $0.positive) }
        bare.ious = []; bare.firstDice = 0; bare.firstLoss = 0
        return Wire(score: bare, clicks: clicks.flatMap { [$0.x.bitPattern, $0.y.bitPattern] }, ious: ious.map(\.bitPattern),
                    firstDice: firstDice.bitPattern, firstLoss: firstLoss.bitPattern)
    }

    init?(wire w: Wire) {
        guard w.clicks.count == 2 * w.score.clicks.count else { return nil }
        self = w.score
        clicks = clicks.indices.map { k in
            InteractiveClick(x: Float(bitPattern: w.clicks[2 * k]), y: Float(bitPattern: w.clicks[2 * k + 1]), positive: clicks[k].positive)
        }
        ious = w.ious.map(Double.init(bitPattern:)); firstDice = Double(bitPattern: w.firstDice); firstLoss = Double(bitPattern: w.firstLoss)
    }
}
