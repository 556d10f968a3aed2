import Foundation

/// Every failure of a modality plugin. Each case names the file (a path relative to the dataset root, or a
/// plugin spec file) and the field, so a message such as
/// `sentinel.json: channels[1].kind: expected one of intensity, angle, depth, temperature, hounsfield, label, got "heat"`
/// says what to fix.
public enum ModalityError: Error, LocalizedError, Equatable, Sendable {
    /// A plugin specification (JSON or code) has a missing or invalid field.
    case invalidSpec(file: String, field: String, expected: String, got: String)
    /// A sample's file does not exist.
    case missingFile(file: String, sample: String)
    /// The dataset folder does not exist or is not a folder.
    case missingFolder(path: String)
    /// Two files match one sample id for the same input.
    case ambiguousFiles(pattern: String, sample: String, files: [String])
    /// A file was read but its content does not fit the modality (wrong channel count, dtype, ...).
    case invalidContent(file: String, field: String, expected: String, got: String)
    /// A reader in ImageIO, Tensor or Transforms failed; `reason` is its message.
    case decodeFailed(file: String, reason: String)
    /// The inputs of one sample do not share a pixel grid.
    case shapeMismatch(file: String, field: String, expected: [Int], got: [Int])
    /// No modality is registered under this identifier.
    case unknownModality(identifier: String, known: [String])
    /// A sample has the wrong number of input files for this modality.
    case inputCount(sample: String, expected: Int, got: Int)

    public var errorDescription: String? {
        switch self {
        case let .invalidSpec(file, field, expected, got):
            return "\(file): \(field): expected \(expected), got \(got)"
        case let .missingFile(file, sample):
            return "\(file): no such file (sample \(sample))"
        case let .missingFolder(path):
            return "\(path): no such folder"
        case let .ambiguousFiles(pattern, sample, files):
            return "\(pattern): sample \(sample): expected one file, got \(files.count): \(files.joined(separator: ", "))"
        case let .invalidContent(file, field, expected, got):
            return "\(file): \(field): expected \(expected), got \(got)"
        case let .decodeFailed(file, reason):
            return "\(file): \(reason)"
        case let .shapeMismatch(file, field, expected, got):
            return "\(file): \(field): expected shape \(expected), got \(got)"
        case let .unknownModality(identifier, known):
            return "modality \(identifier): unknown (registered: \(known.joined(separator: ", ")))"
        case let .inputCount(sample, expected, got):
            return "sample \(sample): expected \(expected) input files, got \(got)"
        }
    }

    /// Runs `body`, turning any error that is not already a `ModalityError` into `.decodeFailed` naming `file`.
    static func wrapping<T>(_ file: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as ModalityError { throw e } catch {
            throw ModalityError.decodeFailed(file: file, reason: (error as? LocalizedError)?.errorDescription ?? String(describing: error))
        }
    }
}
