import TensorCore

/// The max-norm relative error `max_i |actual_i − expected_i| / max(max_i |expected_i|, floor)` (one scale per
/// tensor; `floor` only matters for a tensor whose expected values are ~0, see the gradient tests), or NaN
/// when either tensor holds a NaN or an infinity, so that both `< tolerance` and `> gap` checks fail on it.
public func relativeMaxError(_ actual: Tensor, _ expected: Tensor, floor: Double = 0) -> Double {
    precondition(actual.count == expected.count)
    let a = actual.scalars, e = expected.scalars
    guard a.allSatisfy(\.isFinite), e.allSatisfy(\.isFinite) else { return .nan }
    var diff = 0.0, scale = 0.0
    for i in a.indices {
        diff = max(diff, abs(Double(a[i]) - Double(e[i])))
        scale = max(scale, abs(Double(e[i])))
    }
    return diff / max(scale, floor, 1e-30)
}
