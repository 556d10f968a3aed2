/// How close an array of numbers must be to its expected values. Every rule treats non-finite values
/// the same way (see `mismatch(_:_:_:)`): an expected NaN or infinity must be met by the same value, and
/// a NaN or infinity where a finite value is expected always fails, whatever the tolerance.
public enum Tolerance: Sendable, Equatable, CustomStringConvertible {
    /// NumPy's `allclose` rule, element by element: `|a − e| ≤ absolute + relative · |e|`.
    case allClose(relative: Double, absolute: Double)
    /// Element by element, relative to the larger of `|e|` and `floor`: `|a − e| ≤ tolerance · max(floor, |e|)`.
    case relative(Double, floor: Double)
    /// One scale for the whole array (gradients, whose small entries carry no meaning of their own):
    /// `max |a − e| ≤ tolerance · max(floor, max |e|)`, the maximum over the finite expected values.
    case toScale(Double, floor: Double)

    /// `|a − e| ≤ tolerance` element by element.
    public static func absolute(_ tolerance: Double) -> Tolerance { .allClose(relative: 0, absolute: tolerance) }

    /// Equal values (and NaN where NaN is expected).
    public static let exact = Tolerance.allClose(relative: 0, absolute: 0)

    public var description: String {
        switch self {
        case let .allClose(r, a): return "|a − e| ≤ \(a) + \(r)·|e|"
        case let .relative(t, f): return "|a − e| ≤ \(t)·max(\(f), |e|)"
        case let .toScale(t, f): return "max|a − e| ≤ \(t)·max(\(f), max|e|)"
        }
    }
}
