import Foundation
import SimCMF
import TensorCore

/// A deterministic training/validation split of sample ids: ids sorted, shuffled with a
/// `SeededGenerator(seed)` (Fisher–Yates, `ClickSampling.shuffledIndices`), the first
/// `round(fraction · n)` go to validation (at least one when `fraction > 0` and `n ≥ 2`, and at
/// least one sample always stays in training). Both lists come back sorted.
public struct SampleSplit: Sendable, Equatable, Codable {
    public var training: [String]
    public var validation: [String]

    public init(training: [String], validation: [String]) { self.training = training; self.validation = validation }

    /// - Throws: `BridgeError.invalidSetting` for a fraction outside `[0, 1)`, no ids or duplicate ids.
    public init(ids: [String], validationFraction fraction: Double, seed: UInt64) throws {
        guard fraction >= 0, fraction < 1 else {
            throw BridgeError.invalidSetting(field: "validation fraction", expected: "a number in [0, 1)", got: "\(fraction)")
        }
        let sorted = ids.sorted()
        guard !sorted.isEmpty else { throw BridgeError.invalidSetting(field: "samples", expected: "at least one", got: "none") }
        guard Set(sorted).count == sorted.count else {
            throw BridgeError.invalidSetting(field: "sample ids", expected: "unique ids", got: "duplicates")
        }
        let n = sorted.count
        var v = Int((fraction * Double(n)).rounded())
        if fraction > 0 && n >= 2 { v = Swift.max(v, 1) }
        v = Swift.min(v, n - 1)
        var g = SeededGenerator(seed: seed)
        let order = ClickSampling.shuffledIndices(n, using: &g)
        validation = order.prefix(v).map { sorted[$0] }.sorted()
        training = order.dropFirst(v).map { sorted[$0] }.sorted()
    }
}
