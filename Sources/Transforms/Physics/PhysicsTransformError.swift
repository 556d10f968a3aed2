import Foundation

/// Bad input to a physics transform: the offending field and what was expected.
public enum PhysicsTransformError: Error, LocalizedError, Equatable, Sendable {
    /// A tensor has the wrong shape, e.g. a mosaic that is not `[H, W]`.
    case shape(field: String, expected: String, got: [Int])
    /// A mosaic whose height or width is not a multiple of its superpixel, or is too small.
    case mosaicSize(field: String, multiple: Int, minimum: Int, got: [Int])
    /// A polarizer layout that is not a permutation of 0°, 45°, 90°, 135°.
    case polarizerLayout(got: [Int])
    /// A scalar parameter outside its domain (e.g. emissivity ≤ 0, a non-positive focal length).
    case parameter(field: String, expected: String, got: Double)

    public var errorDescription: String? {
        switch self {
        case let .shape(field, expected, got):
            return "\(field): expected shape \(expected), got \(got)"
        case let .mosaicSize(field, multiple, minimum, got):
            return "\(field): height and width must be multiples of \(multiple) and at least \(minimum), got \(got)"
        case let .polarizerLayout(got):
            return "polarizer layout: expected a permutation of [0, 45, 90, 135] degrees, got \(got)"
        case let .parameter(field, expected, got):
            return "\(field): expected \(expected), got \(got)"
        }
    }
}
