import Foundation

/// One thing wrong with (or worth knowing about) a file of a dataset folder, named by its path relative to the root.
public struct ValidationIssue: Codable, Equatable, Hashable, Sendable, Comparable {
    public enum Problem: String, Codable, Sendable, CaseIterable {
        /// A file a sample needs does not exist.
        case missing
        /// A file exists but cannot be read or decoded (truncated, wrong format, wrong content).
        case unreadable
        /// The inputs of a sample, or its inputs and label, differ in pixel size.
        case sizeMismatch
        /// A sample has no label map.
        case noLabel
        /// No region of the sample passes its split's rule (train `>= T`, test `> T`, at 1024 x 1024).
        case empty
        /// Two samples share an id.
        case duplicate
        /// A list file (train.txt, a CSV) has a line that cannot be used.
        case badListEntry
        /// Something the reference does with this file (a skip, a replacement, a path rule); informational.
        case referenceQuirk
    }

    public var file: String
    /// The sample id, when the issue belongs to one.
    public var sample: String?
    public var problem: Problem
    /// What is wrong, in words (a decode error's message, the two sizes, ...).
    public var detail: String

    public init(file: String, sample: String? = nil, problem: Problem, detail: String) {
        self.file = file
        self.sample = sample
        self.problem = problem
        self.detail = detail
    }

    public static func < (a: ValidationIssue, b: ValidationIssue) -> Bool {
        (a.file, a.problem.rawValue, a.sample ?? "", a.detail) < (b.file, b.problem.rawValue, b.sample ?? "", b.detail)
    }

    /// `file: problem: detail (sample id)`.
    public var line: String { "\(file): \(problem.rawValue): \(detail)" + (sample.map { " (sample \($0))" } ?? "") }
}

/// The validation report of a manifest: problems (missing, unreadable, mis-sized files, empty samples, bad list
/// lines), which `aims build --strict` refuses, and notes on the reference's quirks, which it does not.
public struct ValidationReport: Codable, Equatable, Sendable {
    public var problems: [ValidationIssue]
    public var referenceQuirks: [ValidationIssue]

    public init(problems: [ValidationIssue] = [], referenceQuirks: [ValidationIssue] = []) {
        self.problems = problems.sorted()
        self.referenceQuirks = referenceQuirks.sorted()
    }

    public var isClean: Bool { problems.isEmpty }
}
