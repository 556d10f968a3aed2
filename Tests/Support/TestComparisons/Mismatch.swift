/// Why two arrays are not close: how many elements fail, and the one that says most (the first
/// non-finite failure if there is one, otherwise the element that exceeds its allowance most).
public struct Mismatch: Error, Sendable, CustomStringConvertible {
    /// The element counts differ (then `failures`, `index` and the values are 0).
    public var countMismatch: (actual: Int, expected: Int)?
    public var failures = 0
    public var count = 0
    public var index = 0
    public var actual = 0.0
    public var expected = 0.0
    /// What element `index` was allowed (`|a − e|` bound under the tolerance).
    public var allowed = 0.0
    public var tolerance: Tolerance

    public var description: String {
        if let c = countMismatch { return "\(c.actual) values where \(c.expected) are expected" }
        let kind = actual.isFinite && expected.isFinite ? "" : " (non-finite)"
        return "\(failures) of \(count) elements differ (\(tolerance)); element \(index): \(actual) vs expected \(expected)\(kind), "
            + "|a − e| = \(Swift.abs(actual - expected)) > \(allowed)"
    }
}

/// Compares `actual` with `expected` element by element under `tolerance`, in Double.
///
/// Non-finite values never pass by accident: NaN and ±∞ in `expected` must be matched by the same
/// value in `actual` (NaN by NaN), and a non-finite `actual` against a finite `expected` fails. The
/// comparisons are written so that a NaN makes them false (`!(d <= allowed)`), never silently true, and
/// every element is visited, so a NaN is found wherever it stands.
/// - Returns: nil when every element passes.
public func mismatch(_ actual: [Double], _ expected: [Double], _ tolerance: Tolerance) -> Mismatch? {
    guard actual.count == expected.count else {
        return Mismatch(countMismatch: (actual.count, expected.count), tolerance: tolerance)
    }
    var scale = 0.0
    if case let .toScale(_, floor) = tolerance {
        scale = floor
        for e in expected where e.isFinite { scale = Swift.max(scale, Swift.abs(e)) }
    }
    var result = Mismatch(tolerance: tolerance)
    result.count = actual.count
    var worstExcess = -Double.infinity, sawNonFinite = false
    for i in actual.indices {
        let a = actual[i], e = expected[i]
        let allowed: Double
        switch tolerance {
        case let .allClose(r, abs): allowed = abs + r * Swift.abs(e)
        case let .relative(t, floor): allowed = t * Swift.max(floor, Swift.abs(e))
        case let .toScale(t, _): allowed = t * scale
        }
        let passes: Bool
        if e.isNaN { passes = a.isNaN }
        else if e.isInfinite { passes = a == e }
        else { passes = a.isFinite && Swift.abs(a - e) <= allowed }
        if passes { continue }
        result.failures += 1
        let nonFinite = !a.isFinite || !e.isFinite
        let excess = nonFinite ? Double.infinity : Swift.abs(a - e) - allowed
        // The first non-finite failure wins; among finite ones, the largest excess.
        if sawNonFinite { continue }
        if nonFinite || excess > worstExcess {
            sawNonFinite = nonFinite
            worstExcess = excess
            result.index = i; result.actual = a; result.expected = e; result.allowed = allowed
        }
    }
    return result.failures == 0 ? nil : result
}

/// `mismatch` for Float arrays (each value converted exactly to Double).
public func mismatch(_ actual: [Float], _ expected: [Float], _ tolerance: Tolerance) -> Mismatch? {
    mismatch(actual.map(Double.init), expected.map(Double.init), tolerance)
}

/// `mismatch` for Float results against Double references (e.g. sums taken in Double).
public func mismatch(_ actual: [Float], _ expected: [Double], _ tolerance: Tolerance) -> Mismatch? {
    mismatch(actual.map(Double.init), expected, tolerance)
}

/// The largest of `errors` (for checks with their own error measure), or NaN as soon as one is NaN, so
/// that a NaN makes both `largest < tolerance` and `largest > gap` fail instead of being skipped over as
/// `max(worst, NaN)` does. Empty: 0.
public func largestError(_ errors: some Sequence<Double>) -> Double {
    var worst = 0.0
    for e in errors {
        if e.isNaN { return .nan }
        worst = Swift.max(worst, e)
    }
    return worst
}
