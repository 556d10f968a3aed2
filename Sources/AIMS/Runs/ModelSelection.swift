import Foundation

/// Which split chose a run's `best` checkpoint (`aims train --select-on`), as runs and evaluations report it. Only
/// `test` looks at the test split: the reference's protocol (the official scheme validates, and keeps its best
/// epoch, on test), whose test numbers are therefore optimistic.
public struct ModelSelection: Codable, Equatable, Sendable {
    public enum Split: String, Codable, CaseIterable, Sendable {
        /// The validation split (a manifest's `val`, or the seeded held-out share without a manifest).
        case val
        /// The test split: reproduces the reference's numbers; optimistic.
        case test
        /// No validation split: no `best` checkpoint, evaluation uses `last`.
        case noValidation = "none"
    }

    /// `val`, `test` or `none`.
    public var split: Split
    /// True when `best` was chosen on the test split: a test score of that checkpoint is not held out.
    public var optimistic: Bool
    /// One line saying what the split means for the scores.
    public var note: String

    public init(_ split: Split) {
        self.split = split
        optimistic = split == .test
        switch split {
        case .val: note = "best checkpoint chosen on the validation split; the test split stays held out"
        case .test: note = "best checkpoint chosen on the test split (--select-on test, the reference's protocol): test scores are optimistic"
        case .noValidation: note = "no validation split, no best checkpoint: evaluation uses the last one; the test split stays held out"
        }
    }

    /// The selection recorded in `record`; for records written before `--select-on`: `none` without a validation
    /// split, `test` when the validation split is its manifest's test split (the official scheme), else `val`.
    public static func of(_ record: RunRecord) -> ModelSelection {
        if let recorded = record.selectedOn.flatMap(Split.init(rawValue:)) { return ModelSelection(recorded) }
        if record.split.validation.isEmpty { return ModelSelection(.noValidation) }
        if let path = record.manifest, let manifest = try? Manifest.read(from: URL(fileURLWithPath: path)),
           Set(manifest.splits.test) == Set(record.split.validation) {
            return ModelSelection(.test)
        }
        return ModelSelection(.val)
    }
}
