import Foundation

/// A checkpoint that does not fit a SAM. Every problem of a file is reported at once.
public enum SAMCheckpointError: Error, LocalizedError, Equatable, Sendable {
    /// Tensors the model needs that the file lacks, tensors the file has that the model does not use,
    /// and tensors whose shape differs (`name: file shape, expected shape`).
    case mismatch(file: String, missing: [String], unexpected: [String], misshapen: [String])
    /// The architecture could not be read from the tensor shapes.
    case cannotInferArchitecture(file: String, field: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .mismatch(file, missing, unexpected, misshapen):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(missing.count) missing: " + missing.joined(separator: ", ")) }
            if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected: " + unexpected.joined(separator: ", ")) }
            if !misshapen.isEmpty { parts.append("\(misshapen.count) misshapen: " + misshapen.joined(separator: "; ")) }
            return "\(file): not a matching SAM checkpoint; " + parts.joined(separator: "; ")
        case let .cannotInferArchitecture(file, field, reason):
            return "\(file): cannot infer the SAM architecture from \(field): \(reason)"
        }
    }

    /// Every problem as one line each (empty for `cannotInferArchitecture`).
    public var problems: [String] {
        guard case let .mismatch(_, missing, unexpected, misshapen) = self else { return [] }
        return missing.map { "missing \($0)" } + unexpected.map { "unexpected \($0)" } + misshapen.map { "misshapen \($0)" }
    }
}
