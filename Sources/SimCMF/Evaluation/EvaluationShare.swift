import Distributed
import Foundation

/// What one rank's share of an evaluation found, and all ranks' shares gathered in rank order (which is
/// example order: the shares are contiguous). Doubles travel as their bit patterns, so the gathered
/// scores are bit-identical to those computed, and so are the means over them.
struct EvaluationShare: Codable {
    var scores: [RegionScore]
    var losses: [Double]
    var skipped: Int
    var images: Int

    private struct Wire: Codable {
        var scores: [RegionScore]
        var iou: [UInt64], dice: [UInt64], fullIoU: [UInt64?], fullDice: [UInt64?], losses: [UInt64]
        var skipped: Int, images: Int
    }

    func gathered(on communicator: any Communicator) throws -> EvaluationShare {
        let wire = Wire(scores: scores, iou: scores.map(\.iou.bitPattern), dice: scores.map(\.dice.bitPattern),
                        fullIoU: scores.map { $0.fullResolutionIoU?.bitPattern }, fullDice: scores.map { $0.fullResolutionDice?.bitPattern },
                        losses: losses.map(\.bitPattern), skipped: skipped, images: images)
        let parts = try communicator.allGather(Array(try JSONEncoder().encode(wire)))
        var all = EvaluationShare(scores: [], losses: [], skipped: 0, images: 0)
        for (rank, bytes) in parts.enumerated() {
            guard let w = try? JSONDecoder().decode(Wire.self, from: Data(bytes)) else {
                throw DistributedError.inconsistent(what: "evaluation scores", detail: "rank \(rank) sent unreadable scores")
            }
            for (k, var s) in w.scores.enumerated() {
                s.iou = Double(bitPattern: w.iou[k]); s.dice = Double(bitPattern: w.dice[k])
                s.fullResolutionIoU = w.fullIoU[k].map(Double.init(bitPattern:)); s.fullResolutionDice = w.fullDice[k].map(Double.init(bitPattern:))
                all.scores.append(s)
            }
            all.losses += w.losses.map(Double.init(bitPattern:))
            all.skipped += w.skipped; all.images += w.images
        }
        return all
    }
}
