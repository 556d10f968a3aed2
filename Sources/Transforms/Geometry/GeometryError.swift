import Foundation

/// Bad input to a geometric transform or a normalisation: the offending field and what was expected.
public enum GeometryError: Error, LocalizedError, Equatable, Sendable {
    /// A tensor of the sample has the wrong shape (values not `[C, H, W]`, a mask or label map not `[H, W]`).
    case shape(field: String, expected: String, got: [Int])
    /// A requested output size that is zero, negative or otherwise unusable.
    case size(field: String, expected: String, got: [Int])
    /// A crop window that does not lie inside the image, as `[top, left, height, width]` against `[H, W]`.
    case region(field: String, expected: String, got: [Int])
    /// A scalar parameter outside its domain (a probability outside [0, 1], a standard deviation ≤ 0).
    case parameter(field: String, expected: String, got: Double)
    /// Per-channel lists whose length does not match the channel count.
    case channelCount(field: String, expected: Int, got: Int)

    public var errorDescription: String? {
        switch self {
        case let .shape(field, expected, got):
            return "\(field): expected shape \(expected), got \(got)"
        case let .size(field, expected, got):
            return "\(field): expected \(expected), got \(got)"
        case let .region(field, expected, got):
            return "\(field): expected \(expected), got \(got)"
        case let .parameter(field, expected, got):
            return "\(field): expected \(expected), got \(got)"
        case let .channelCount(field, expected, got):
            return "\(field): expected one entry per channel (\(expected)), got \(got)"
        }
    }
}

/// Checks the invariants every geometric transform relies on (a `TransformSample`'s fields are
/// mutable, so they are re-checked here rather than trusted): values `[C, H, W]` with one descriptor
/// per plane, mask and label `[H, W]`, and no empty image.
func validateSample(_ sample: TransformSample, transform: String) throws {
    let v = sample.image.values
    guard v.rank == 3 else {
        throw GeometryError.shape(field: "\(transform): image values", expected: "[C, H, W]", got: v.shape)
    }
    guard v.shape[0] == sample.image.channels.count else {
        throw GeometryError.channelCount(field: "\(transform): channel descriptors", expected: v.shape[0],
                                         got: sample.image.channels.count)
    }
    guard v.shape[1] > 0, v.shape[2] > 0 else {
        throw GeometryError.size(field: "\(transform): image", expected: "height and width ≥ 1", got: v.shape)
    }
    if let m = sample.image.validMask, m.shape != [v.shape[1], v.shape[2]] {
        throw GeometryError.shape(field: "\(transform): valid mask", expected: "[\(v.shape[1]), \(v.shape[2])]", got: m.shape)
    }
    if let l = sample.label, l.shape != [v.shape[1], v.shape[2]] {
        throw GeometryError.shape(field: "\(transform): label map", expected: "[\(v.shape[1]), \(v.shape[2])]", got: l.shape)
    }
}

/// Checks a requested output size.
func validateOutputSize(height: Int, width: Int, field: String) throws {
    guard height >= 1, width >= 1 else {
        throw GeometryError.size(field: field, expected: "height and width ≥ 1", got: [height, width])
    }
}
