import Foundation

/// Bad input to a SAM module: a tensor of the wrong shape, an invalid prompt or configuration.
public enum SAMError: Error, LocalizedError, Equatable, Sendable {
    /// `field` has shape `got`; `expected` describes what was required.
    case shapeMismatch(field: String, expected: String, got: [Int])
    /// A value of `field` is not allowed.
    case invalidValue(field: String, expected: String)
    case invalidConfiguration(field: String, expected: String)

    public var errorDescription: String? {
        switch self {
        case let .shapeMismatch(field, expected, got): "SAM: \(field) has shape \(got), expected \(expected)"
        case let .invalidValue(field, expected): "SAM: invalid \(field): expected \(expected)"
        case let .invalidConfiguration(field, expected): "SAM configuration: \(field) must be \(expected)"
        }
    }
}
