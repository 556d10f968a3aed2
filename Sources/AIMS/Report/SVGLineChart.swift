import Foundation

/// A line chart as inline SVG (for the HTML report): one polyline with markers per series, linear
/// axes with rounded ticks, a legend. Points with a non-finite coordinate are left out.
struct SVGLineChart {
    struct Series {
        var name: String
        /// `(x, y)` in data units, drawn in this order.
        var points: [(x: Double, y: Double)]
        /// CSS colour.
        var colour: String
        /// Drawn dashed (e.g. a constant reference such as a zero-shot score).
        var dashed = false
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    /// Forced y range (e.g. `0...1` for mIoU); nil: the data's, padded.
    var yRange: ClosedRange<Double>? = nil
    var width = 520.0
    var height = 300.0

    /// Left, right, top, bottom margins in SVG units.
    private let margin = (left: 58.0, right: 16.0, top: 30.0, bottom: 44.0)

    /// The `<svg>` element.
    func render() -> String {
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        svg += "<text x=\"\(fmt(width / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">\(HTML.escape(title))</text>\n"
        guard !finite.isEmpty else {
            return svg + "<text x=\"\(fmt(width / 2))\" y=\"\(fmt(height / 2))\" text-anchor=\"middle\">no data</text>\n</svg>"
        }
        let xs = Self.axis(min: finite.map(\.x).min()!, max: finite.map(\.x).max()!)
        let ys = yRange.map { Self.axis(min: $0.lowerBound, max: $0.upperBound) }
            ?? Self.axis(min: finite.map(\.y).min()!, max: finite.map(\.y).max()!)
        let plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom
        func px(_ x: Double) -> Double { margin.left + (x - xs.low) / (xs.high - xs.low) * plotW }
        func py(_ y: Double) -> Double { margin.top + plotH - (y - ys.low) / (ys.high - ys.low) * plotH }

        // Grid, ticks and labels.
        for t in ys.ticks {
            svg += "<line x1=\"\(fmt(margin.left))\" y1=\"\(fmt(py(t)))\" x2=\"\(fmt(width - margin.right))\" y2=\"\(fmt(py(t)))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(fmt(margin.left - 6))\" y=\"\(fmt(py(t) + 4))\" text-anchor=\"end\">\(Self.label(t, step: ys.step))</text>\n"
        }
        for t in xs.ticks {
            svg += "<line x1=\"\(fmt(px(t)))\" y1=\"\(fmt(margin.top + plotH))\" x2=\"\(fmt(px(t)))\" y2=\"\(fmt(margin.top + plotH + 4))\" stroke=\"#333\"/>"
            svg += "<text x=\"\(fmt(px(t)))\" y=\"\(fmt(margin.top + plotH + 16))\" text-anchor=\"middle\">\(Self.label(t, step: xs.step))</text>\n"
        }
        svg += "<rect x=\"\(fmt(margin.left))\" y=\"\(fmt(margin.top))\" width=\"\(fmt(plotW))\" height=\"\(fmt(plotH))\" fill=\"none\" stroke=\"#333\"/>\n"
        svg += "<text x=\"\(fmt(margin.left + plotW / 2))\" y=\"\(fmt(height - 8))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(14 \(fmt(margin.top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>\n"

        // Series and legend.
        for (k, s) in series.enumerated() {
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
            if pts.count > 1 {
                let list = pts.map { "\(fmt(px($0.x))),\(fmt(py($0.y)))" }.joined(separator: " ")
                svg += "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(s.colour)\" stroke-width=\"2\"\(dash)/>\n"
            }
            if !s.dashed {
                for p in pts { svg += "<circle cx=\"\(fmt(px(p.x)))\" cy=\"\(fmt(py(p.y)))\" r=\"3\" fill=\"\(s.colour)\"/>" }
            }
            let ly = margin.top + 12 + Double(k) * 15
            svg += "\n<line x1=\"\(fmt(margin.left + 8))\" y1=\"\(fmt(ly - 4))\" x2=\"\(fmt(margin.left + 28))\" y2=\"\(fmt(ly - 4))\" stroke=\"\(s.colour)\" stroke-width=\"2\"\(dash)/>"
            svg += "<text x=\"\(fmt(margin.left + 32))\" y=\"\(fmt(ly))\">\(HTML.escape(s.name))</text>\n"
        }
        return svg + "</svg>"
    }

    /// Round tick spacing (1, 2 or 5 × 10^k) giving about five ticks over `[min, max]`, and the
    /// range widened to whole ticks. A zero-width range is widened by one unit of its magnitude.
    static func axis(min lo: Double, max hi: Double) -> (low: Double, high: Double, step: Double, ticks: [Double]) {
        var (a, b) = (lo, hi)
        if b - a <= 0 { let d = Swift.max(abs(a) * 0.1, 1e-3); a -= d; b += d }
        let raw = (b - a) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let low = floor(a / step) * step, high = ceil(b / step) * step
        let n = Int(((high - low) / step).rounded())
        return (low, high, step, (0...n).map { low + Double($0) * step })
    }

    /// A tick label with as many decimals as the step needs.
    static func label(_ v: Double, step: Double) -> String {
        let decimals = Swift.max(0, Int(-floor(log10(step) + 1e-9)))
        return String(format: "%.\(decimals)f", abs(v) < step * 1e-6 ? 0 : v)
    }

    private func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// HTML text helpers.
enum HTML {
    /// A document's head (title, the reports' stylesheet) and the opening `<body>`.
    static func document(title: String) -> String {
        """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
        table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:4px 10px;text-align:right}
        td:first-child,th:first-child,td.l{text-align:left}.verdict{background:#f4f4f4;padding:.6em 1em;border-left:4px solid #888}
        img{image-rendering:pixelated;margin:2px;border:1px solid #ccc}.charts svg{margin-right:12px}
        figure{display:inline-block;margin:4px;text-align:center;font-size:11px}</style></head><body>

        """
    }

    /// `&`, `<`, `>`, `"` escaped for text and attribute values.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
