import AIMS
import Foundation

/// Progress of a long-running command on stderr: step, optional loss, rate and ETA, redrawn at
/// most every `minimumInterval` seconds (and always on the last step).
struct ProgressReporter {
    let label: String
    let total: Int
    /// What one step is called in the rate (`"img"`, `"file"`, `"step"`).
    let unit: String
    var minimumInterval: Double = 0.5
    private let start = Date()
    private var lastDraw = Date.distantPast
    private let interactive = isatty(STDERR_FILENO) != 0

    init(label: String, total: Int, unit: String = "step") {
        self.label = label
        self.total = total
        self.unit = unit
    }

    /// Reports that `done` of `total` steps are finished.
    mutating func update(_ done: Int, loss: Double? = nil, note: String = "") {
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDraw) >= minimumInterval else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var line = "\(label) \(done)/\(total)"
        if let loss { line += String(format: "  loss %.4f", loss) }
        line += String(format: "  %.2f %@/s", rate, unit)
        if done < total && rate > 0 {
            line += "  ETA " + DurationText.format(Double(total - done) / rate)
        } else if done >= total {
            line += "  in " + DurationText.format(elapsed)
        }
        if !note.isEmpty { line += "  " + note }
        // On a terminal, redraw in place; in a log, one line per report.
        let text = interactive ? "\r\u{1B}[K" + line + (done >= total ? "\n" : "") : line + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
