import Foundation

/// Failures of building, reading or using an AIMS manifest; each names the file and what is wrong.
public enum ManifestError: Error, LocalizedError, Equatable, Sendable {
    /// The manifest file cannot be read or is not a manifest.
    case unreadable(file: String, reason: String)
    /// The manifest was written by a newer format.
    case unsupportedVersion(file: String, version: Int, supported: Int)
    /// Files used from the dataset differ from the manifest (changed, missing, resized).
    case changedFiles([FileChange])
    /// `--strict`: the dataset folder has problems.
    case strictValidation(problems: [ValidationIssue])
    /// A layout or option is invalid (`field` names it).
    case invalidSetting(field: String, expected: String, got: String)
    /// A layout cannot find its list files or folders.
    case missingLayoutFile(file: String, layout: String)
    /// No usable sample was found.
    case noSamples(root: String, layout: String)

    public var errorDescription: String? {
        switch self {
        case let .unreadable(file, reason): return "\(file): not a readable AIMS manifest: \(reason)"
        case let .unsupportedVersion(file, version, supported):
            return "\(file): formatVersion: expected at most \(supported), got \(version)"
        case let .changedFiles(changes):
            return "\(changes.count) dataset file(s) differ from the manifest:\n" + changes.map { "  " + $0.line }.joined(separator: "\n")
        case let .strictValidation(problems):
            return "--strict: \(problems.count) problem(s) in the dataset folder; no manifest written:\n"
                + problems.map { "  " + $0.line }.joined(separator: "\n")
        case let .invalidSetting(field, expected, got): return "\(field): expected \(expected), got \(got)"
        case let .missingLayoutFile(file, layout): return "\(file): no such file or folder (needed by the \(layout) layout)"
        case let .noSamples(root, layout): return "\(root): no usable sample found with the \(layout) layout"
        }
    }
}

/// A dataset file that no longer matches its manifest entry.
public struct FileChange: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case missing, resized, changed }
    public var file: String
    public var kind: Kind
    public var expected: String
    public var got: String

    public var line: String {
        switch kind {
        case .missing: return "\(file): missing (manifest sha256 \(expected))"
        case .resized: return "\(file): size changed: expected \(expected) bytes, got \(got)"
        case .changed: return "\(file): content changed: sha256 expected \(expected), got \(got)"
        }
    }
}
