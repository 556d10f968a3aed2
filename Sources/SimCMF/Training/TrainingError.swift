import Foundation

/// Errors of the trainer, the evaluator and the example sources. Each names the field (and the
/// example) at fault.
public enum TrainingError: Error, LocalizedError, Equatable, Sendable {
    /// Example `index`'s `field` has shape `got`; `expected` describes what the model needs
    /// (e.g. an image whose channel count differs from the model's input channels).
    case exampleShape(index: Int, field: String, expected: String, got: [Int])
    /// A configuration value is out of range.
    case invalidConfiguration(field: String, expected: String)
    /// A source, a region list or a batch that must not be empty is empty.
    case empty(field: String)
    /// A checkpoint or run-folder file is missing, malformed or does not fit the model.
    case checkpoint(file: String, field: String, problem: String)

    public var errorDescription: String? {
        switch self {
        case let .exampleShape(i, field, expected, got): "example \(i): \(field) has shape \(got), expected \(expected)"
        case let .invalidConfiguration(field, expected): "training configuration: \(field) must be \(expected)"
        case let .empty(field): "\(field) is empty"
        case let .checkpoint(file, field, problem): "checkpoint \(file): \(field): \(problem)"
        }
    }
}
