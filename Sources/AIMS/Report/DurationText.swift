import Foundation

/// Wall-clock durations as people read them in progress lines and reports.
public enum DurationText {
    /// `1h02m`, `3m07s`, `12.4s`.
    public static func format(_ seconds: Double) -> String {
        if seconds >= 3600 { return String(format: "%dh%02dm", Int(seconds) / 3600, Int(seconds) % 3600 / 60) }
        if seconds >= 60 { return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60) }
        return String(format: "%.1fs", seconds)
    }
}
