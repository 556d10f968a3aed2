import Foundation

/// What can go wrong building or loading a TinyViT image encoder.
public enum TinyViTError: Error, LocalizedError, Equatable {
    /// The configuration is inconsistent; one entry per problem (field, value, what was expected).
    case invalidConfiguration([String])
    /// The architecture cannot be read from the checkpoint's tensor shapes (e.g. a required tensor is absent).
    case cannotInferArchitecture(prefix: String, reason: String)
    /// The checkpoint does not match the model: every missing, unexpected and misshapen tensor at once.
    case checkpointMismatch(prefix: String, missing: [String], unexpected: [String], misshapen: [String])
    /// The input image tensor has the wrong rank or channel count.
    case invalidInput(shape: [Int], expected: String)

    public var errorDescription: String? {
        switch self {
        case .invalidConfiguration(let problems):
            return "invalid TinyViT configuration: " + problems.joined(separator: "; ")
        case .cannotInferArchitecture(let prefix, let reason):
            return "cannot infer the TinyViT architecture from the tensors under '\(prefix)': \(reason)"
        case .checkpointMismatch(let prefix, let missing, let unexpected, let misshapen):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(missing.count) missing: " + missing.joined(separator: ", ")) }
            if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected: " + unexpected.joined(separator: ", ")) }
            if !misshapen.isEmpty { parts.append("\(misshapen.count) misshapen: " + misshapen.joined(separator: ", ")) }
            return "the checkpoint does not match the TinyViT encoder '\(prefix)': " + parts.joined(separator: "; ")
        case .invalidInput(let shape, let expected):
            return "TinyViT input has shape \(shape), expected \(expected)"
        }
    }
}
