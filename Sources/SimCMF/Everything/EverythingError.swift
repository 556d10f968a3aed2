import Foundation

/// Failures of automatic mask generation (`AutomaticMaskGenerator`), naming the option or model output.
public enum EverythingError: Error, LocalizedError, Equatable {
    /// An option out of its range; `field` is segment-anything's argument name.
    case invalidOption(field: String, expected: String, got: String)
    /// A model returned tensors of the wrong shape for a batch of point prompts.
    case modelOutput(field: String, expected: String, got: [Int])

    public var errorDescription: String? {
        switch self {
        case let .invalidOption(field, expected, got): return "automatic mask generation: \(field): expected \(expected), got \(got)"
        case let .modelOutput(field, expected, got): return "automatic mask generation: model output \(field): expected \(expected), got \(got)"
        }
    }
}
