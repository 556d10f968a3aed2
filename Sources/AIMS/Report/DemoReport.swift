import Foundation
import SimCMF
import TensorCore
import TensorFiles

/// The demo's HTML report: the settings, the table of test mIoU per method (with its bootstrap interval), loss and
/// validation-mIoU curves (inline SVG), a verdict computed from the table, the clicks protocol's table and
/// clicks-to-IoU curve, and overlay pictures per method. Every number comes from the runs of the invocation that
/// writes it.
struct DemoReport {
    /// One compared method (a table row).
    struct Method {
        var name: String
        /// What was run (model, alignment, strategy, initialisation).
        var description: String
        var trainableValues: Int?
        var trainingSeconds: Double?
        var testMIoU: Double
        /// The 95 % bootstrap interval of `testMIoU` over test images.
        var testInterval: BootstrapInterval?
        var testMDice: Double
        var testRegions: Int
        var bestValidationMIoU: Double?
        /// Curves of a trained method (nil for zero-shot).
        var metrics: RunMetrics?
        /// Overlay PNGs, paths relative to the report's folder.
        var overlays: [String]
        /// The clicks protocol on the test split (nil: not run for this row).
        var clicks: InteractiveSummary?
        var colour: String
    }

    var title: String
    /// Ordered key–value lines (seed, scenes, sizes, epochs, timings).
    var settings: [(String, String)]
    var methods: [Method]
    /// Rows under another protocol, shown below the table for reference (not in the curves or the verdict).
    var context: [Method] = []
    var contextNote: String = ""
    var verdict: String

    func html() -> String {
        HTML.document(title: title) + "<h1>\(HTML.escape(title))</h1>\n" + section(level: 2) + "</body></html>\n"
    }

    /// The report's content under headings of `level` (settings, table, verdict, curves, clicks, overlays), for
    /// embedding in a larger report.
    func section(level: Int) -> String {
        let h2 = "h\(level)", h3 = "h\(level + 1)"
        var h = "<\(h2)>Settings</\(h2)><table>"
        for (k, v) in settings { h += "<tr><td class=\"l\">\(HTML.escape(k))</td><td class=\"l\">\(HTML.escape(v))</td></tr>" }
        h += "</table>\n<\(h2)>Test mIoU (SimCMF protocol: one median click per region, single mask, IoU at the mask size)</\(h2)>\n"
        h += Self.table(methods, context: context, contextNote: contextNote)
        h += "<p class=\"verdict\">\(HTML.escape(verdict))</p>\n<\(h2)>Curves</\(h2)><div class=\"charts\">"
        h += lossChart().render() + mIoUChart().render() + "</div>\n" + clicksSection(level: level) + "<\(h2)>Test overlays</\(h2)>"
        h += "<p>Predicted masks per region (colours), ground-truth outline and the click, on the first input channels.</p>"
        for m in methods + context where !m.overlays.isEmpty {
            h += "<\(h3)>\(HTML.escape(m.name))</\(h3)><div>"
            for o in m.overlays { h += "<img src=\"\(HTML.escape(o))\" width=\"192\" alt=\"\(HTML.escape(o))\">" }
            h += "</div>\n"
        }
        return h
    }

    /// The methods' table (model, trainable values, training time, best validation mIoU, test mIoU with its
    /// interval, mDice, regions), `context` rows below `contextNote`.
    static func table(_ methods: [Method], context: [Method] = [], contextNote: String = "") -> String {
        var h = "<table><tr><th>method</th><th>model</th><th>trainable values</th><th>training time</th><th>best validation mIoU</th><th>test mIoU</th>"
            + "<th>95 % CI</th><th>test mDice</th><th>regions</th></tr>\n"
        func row(_ m: Method) -> String {
            var r = "<tr><td>\(HTML.escape(m.name))</td><td class=\"l\">\(HTML.escape(m.description))</td>"
            r += "<td>\(m.trainableValues.map(Self.grouped) ?? "0")</td><td>\(m.trainingSeconds.map { DurationText.format($0) } ?? "–")</td>"
            r += "<td>\(m.bestValidationMIoU.map { String(format: "%.4f", $0) } ?? "–")</td>"
            r += String(format: "<td><b>%.4f</b></td>", m.testMIoU) + "<td>\(m.testInterval.map(Self.interval) ?? "–")</td>"
            return r + String(format: "<td>%.4f</td><td>%d</td></tr>\n", m.testMDice, m.testRegions)
        }
        h += methods.map(row).joined()
        if !context.isEmpty {
            h += "<tr><td colspan=\"9\" class=\"l\"><i>\(HTML.escape(contextNote))</i></td></tr>\n" + context.map(row).joined()
        }
        return h + "</table>\n"
    }

    func lossChart() -> SVGLineChart {
        let series = methods.compactMap { m -> SVGLineChart.Series? in
            guard let t = m.metrics?.trainingLoss, !t.isEmpty else { return nil }
            return .init(name: m.name, points: t.map { (Double($0.epoch + 1), $0.loss) }, colour: m.colour)
        }
        return SVGLineChart(title: "Training loss (Dice + BCE, mean per epoch)", xLabel: "epoch", yLabel: "loss", series: series)
    }

    /// Validation mIoU before each epoch (x = epochs trained so far); methods without curves as dashed levels.
    func mIoUChart() -> SVGLineChart {
        let trained = methods.compactMap { $0.metrics?.validationMIoU }.flatMap { $0.map(\.epoch) }
        let span = (Double(trained.min() ?? 0), Double(Swift.max(trained.max() ?? 1, 1)))
        let series = methods.map { m -> SVGLineChart.Series in
            if let v = m.metrics?.validationMIoU, !v.isEmpty {
                return .init(name: m.name + " (validation)", points: v.map { (Double($0.epoch), $0.mIoU) }, colour: m.colour)
            }
            return .init(name: m.name + " (test)", points: [(span.0, m.testMIoU), (span.1, m.testMIoU)], colour: m.colour, dashed: true)
        }
        return SVGLineChart(title: "mIoU", xLabel: "epochs trained", yLabel: "mIoU", series: series, yRange: 0...1)
    }

    /// The clicks protocol: a table (mIoU after 1, 3, 5 clicks, NoC) and the clicks-to-IoU chart; empty when no
    /// method ran it.
    func clicksSection(level: Int = 2) -> String {
        let rows = methods.filter { $0.clicks != nil }
        guard let k = rows.first?.clicks?.maxClicks else { return "" }
        let points = rows[0].clicks!.afterClicks.map(\.clicks)
        var h = "<h\(level)>Interactive segmentation (clicks protocol, test split, at most \(k) clicks per object)</h\(level)>\n"
        h += "<p>Each object gets a first click at its pixel farthest from its boundary, then each next click at the deepest pixel "
            + "of the larger error region (positive on missed object, negative on spill), with the previous mask fed back; "
            + "NoC@X is the mean number of clicks to reach IoU ≥ X (\(k) when never reached within \(k)). "
            + "Intervals: 95 % percentile bootstrap over images.</p>\n<table><tr><th>method</th>"
        h += points.map { "<th>mIoU after \($0) click\($0 == 1 ? "" : "s")</th>" }.joined() + "<th>NoC@85</th><th>NoC@90</th></tr>\n"
        for m in rows {
            let c = m.clicks!
            h += "<tr><td>\(HTML.escape(m.name))</td>"
            h += c.afterClicks.map { String(format: "<td>%.4f ", $0.mIoU) + Self.interval($0.interval) + "</td>" }.joined()
            h += String(format: "<td>%.2f</td><td>%.2f</td></tr>\n", c.noc85, c.noc90)
        }
        return h + "</table>\n<div class=\"charts\">" + clicksChart().render() + "</div>\n"
    }

    /// Mean test IoU after k clicks, one line per method that ran the clicks protocol.
    func clicksChart() -> SVGLineChart {
        let series = methods.compactMap { m -> SVGLineChart.Series? in
            guard let c = m.clicks else { return nil }
            return .init(name: m.name, points: c.curve.enumerated().map { (Double($0.offset + 1), $0.element) }, colour: m.colour)
        }
        return SVGLineChart(title: "Clicks to IoU (test, clicks protocol)", xLabel: "clicks", yLabel: "mean IoU", series: series, yRange: 0...1)
    }

    /// `[0.4123, 0.5234]`.
    static func interval(_ i: BootstrapInterval) -> String { String(format: "[%.4f, %.4f]", i.lower, i.upper) }

    /// Writes `report.html` atomically.
    func write(to url: URL) throws { try AtomicFile.write(Data(html().utf8), to: url) }

    /// `1234567` → `1,234,567`.
    static func grouped(_ n: Int) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, c) in s.enumerated() { if i > 0 && (s.count - i) % 3 == 0 { out += "," }; out.append(c) }
        return (n < 0 ? "-" : "") + out
    }
}
