import Foundation

/// The curves of a training run, read from its `metrics.jsonl` (one JSON object per line, written by
/// the trainer: `kind` `"train"` with `epoch` and mean `loss`, `kind` `"validation"` with `epoch`
/// and `mIoU`; validation at epoch E is measured before training epoch E).
struct RunMetrics: Equatable {
    /// Mean training loss of each epoch, by epoch (0-based).
    var trainingLoss: [(epoch: Int, loss: Double)]
    /// Validation mIoU by epoch (measured before that epoch's training; the last one after the last epoch).
    var validationMIoU: [(epoch: Int, mIoU: Double)]
    /// Validation mean loss by epoch.
    var validationLoss: [(epoch: Int, loss: Double)]

    static func == (a: RunMetrics, b: RunMetrics) -> Bool {
        a.trainingLoss.elementsEqual(b.trainingLoss, by: ==) && a.validationMIoU.elementsEqual(b.validationMIoU, by: ==)
            && a.validationLoss.elementsEqual(b.validationLoss, by: ==)
    }

    /// - Throws: `ReportError.unreadable` naming the file and line when a line is not a JSON object
    ///   or lacks the fields of its kind.
    static func read(runFolder: URL) throws -> RunMetrics {
        let url = runFolder.appendingPathComponent("metrics.jsonl")
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ReportError.unreadable(file: url.path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        var m = RunMetrics(trainingLoss: [], validationMIoU: [], validationLoss: [])
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let kind = o["kind"] as? String, let epoch = o["epoch"] as? Int else {
                throw ReportError.unreadable(file: url.path, reason: "line \(n + 1): expected a JSON object with \"kind\" and an integer \"epoch\"")
            }
            func number(_ key: String) throws -> Double {
                guard let v = o[key] as? Double else {
                    throw ReportError.unreadable(file: url.path, reason: "line \(n + 1): expected a number \"\(key)\" in a \(kind) record")
                }
                return v
            }
            switch kind {
            case "train": m.trainingLoss.append((epoch, try number("loss")))
            case "validation":
                m.validationMIoU.append((epoch, try number("mIoU")))
                m.validationLoss.append((epoch, try number("loss")))
            default: continue
            }
        }
        return m
    }
}

/// Errors of report generation.
enum ReportError: LocalizedError {
    case unreadable(file: String, reason: String)

    var errorDescription: String? {
        switch self {
        case let .unreadable(file, reason): return "\(file): \(reason)"
        }
    }
}
