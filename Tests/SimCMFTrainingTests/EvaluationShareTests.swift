import Distributed
import XCTest
@testable import SimCMF

/// The scores ranks exchange at the end of an evaluation (`EvaluationShare`, sent through `SingleProcess`, whose
/// all-gather hands the encoded bytes back) arrive with the bits they left with, including values a JSON number
/// does not carry: NaN and infinity (which JSON has not), −0, the smallest subnormal, 0.1 + 0.2 (17 digits), and
/// clicks off the pixel grid.
final class EvaluationShareTests: XCTestCase {
    private let doubles: [Double] = [.nan, -.infinity, .leastNonzeroMagnitude, 0.1 + 0.2, -0.0, 1.0 / 3]
    private let floats: [Float] = [.nan, 12.3456789, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, 1.0 / 3, 255]

    private func bits(_ s: RegionScore) -> [UInt64] {
        [UInt64(s.exampleIndex), UInt64(s.region), UInt64(s.pixelCount), UInt64(s.click.x.bitPattern), UInt64(s.click.y.bitPattern),
         s.iou.bitPattern, s.dice.bitPattern, s.fullResolutionIoU?.bitPattern ?? 1, s.fullResolutionDice?.bitPattern ?? 2]
    }

    private func bits(_ s: InteractiveRegionScore) -> [UInt64] {
        [UInt64(s.exampleIndex), UInt64(s.region), UInt64(s.pixelCount), s.firstDice.bitPattern, s.firstLoss.bitPattern]
            + s.clicks.flatMap { [UInt64($0.x.bitPattern), UInt64($0.y.bitPattern), $0.positive ? 1 : 0] } + s.ious.map(\.bitPattern)
    }

    func testRegionScoresAndLossesTravelBitForBit() throws {
        let n = doubles.count
        let scores = (0..<n).map { k in
            RegionScore(exampleIndex: k, exampleID: "s,\(k)", region: Int32(k + 1), pixelCount: 7 * k,
                        click: Click(x: floats[k], y: floats[(k + 1) % n]), iou: doubles[k], dice: doubles[(k + 1) % n],
                        fullResolutionIoU: k % 2 == 0 ? doubles[(k + 2) % n] : nil, fullResolutionDice: k % 3 == 0 ? doubles[(k + 3) % n] : nil)
        }
        let share = EvaluationShare(scores: scores, losses: doubles.reversed(), skipped: 2, images: 5)
        let got = try share.gathered(on: SingleProcess())
        XCTAssertEqual(got.scores.map(bits), scores.map(bits))
        XCTAssertEqual(got.scores.map(\.exampleID), scores.map(\.exampleID))
        XCTAssertEqual(got.losses.map(\.bitPattern), doubles.reversed().map(\.bitPattern))
        XCTAssertEqual(got.skipped, 2); XCTAssertEqual(got.images, 5)
    }

    func testInteractiveScoresTravelBitForBit() throws {
        let n = doubles.count
        let scores = (0..<n).map { k in
            InteractiveRegionScore(exampleIndex: 3 + k, exampleID: "id \(k)", region: Int32(2 * k + 1), pixelCount: k,
                                   clicks: (0...k).map { InteractiveClick(x: floats[$0], y: floats[($0 + k) % n], positive: $0 % 2 == 0) },
                                   ious: (0..<4).map { doubles[($0 + k) % n] }, firstDice: doubles[(k + 1) % n], firstLoss: doubles[(k + 2) % n])
        }
        let got = try EvaluationShare(scores: scores, losses: [], skipped: 1, images: 6).gathered(on: SingleProcess())
        XCTAssertEqual(got.scores.map(bits), scores.map(bits))
        XCTAssertEqual(got.scores.map(\.exampleID), scores.map(\.exampleID))
        XCTAssertEqual(got.losses, []); XCTAssertEqual(got.skipped, 1); XCTAssertEqual(got.images, 6)
    }
}
