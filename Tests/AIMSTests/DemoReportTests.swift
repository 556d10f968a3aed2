import Foundation
import SimCMF
import XCTest
@testable import AIMS

/// The demo report's parts: chart axes, run-metric parsing, the verdict and the HTML.
final class DemoReportTests: XCTestCase {
    func testAxisTicksAreRoundAndCoverTheData() {
        // Hand-derived: range 0.13–0.87 → raw step 0.148 → 0.2; ticks 0, 0.2, …, 1.0.
        let a = SVGLineChart.axis(min: 0.13, max: 0.87)
        XCTAssertEqual(a.step, 0.2, accuracy: 1e-12)
        XCTAssertEqual(a.low, 0, accuracy: 1e-12)
        XCTAssertEqual(a.high, 1, accuracy: 1e-12)
        XCTAssertEqual(a.ticks.count, 6)
        // 1–51 epochs → raw 10 → step 10, 0…60.
        let e = SVGLineChart.axis(min: 1, max: 51)
        XCTAssertEqual(e.step, 10)
        XCTAssertEqual(e.ticks, [0, 10, 20, 30, 40, 50, 60])
        // A constant series still gets a non-empty range around it.
        let c = SVGLineChart.axis(min: 0.5, max: 0.5)
        XCTAssertLessThan(c.low, 0.5)
        XCTAssertGreaterThan(c.high, 0.5)
        XCTAssertEqual(SVGLineChart.label(0.4000001, step: 0.2), "0.4")
        XCTAssertEqual(SVGLineChart.label(20, step: 10), "20")
    }

    func testChartPlacesPointsOnTheAxes() {
        let chart = SVGLineChart(title: "t <x>", xLabel: "epoch", yLabel: "mIoU",
                                 series: [.init(name: "a&b", points: [(0, 0), (10, 1), (.nan, 3)], colour: "#123456")], yRange: 0...1,
                                 width: 200, height: 100)
        let svg = chart.render()
        // Plot box: x from 58 to 184, y from 30 to 56. (0,0) is the bottom-left corner, (10,1) the top-right.
        XCTAssertTrue(svg.contains("points=\"58.0,56.0 184.0,30.0\""), svg)
        XCTAssertTrue(svg.contains("t &lt;x&gt;"))
        XCTAssertTrue(svg.contains("a&amp;b"))
        XCTAssertFalse(svg.contains("nan"))
    }

    func testRunMetricsReadTheTrainerLinesAndNameABadLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aims-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let lines = """
        {"epoch":0,"kind":"validation","loss":1.5,"mDice":0.2,"mIoU":0.125}
        {"epoch":0,"examples":8,"kind":"train","loss":1.25,"lr":0.001}
        {"epoch":1,"kind":"validation","loss":1,"mDice":0.5,"mIoU":0.5}
        {"epoch":1,"examples":8,"kind":"train","loss":0.75,"lr":0.001}

        """
        try Data(lines.utf8).write(to: folder.appendingPathComponent("metrics.jsonl"))
        let m = try RunMetrics.read(runFolder: folder)
        XCTAssertEqual(m.trainingLoss.map(\.epoch), [0, 1])
        XCTAssertEqual(m.trainingLoss.map(\.loss), [1.25, 0.75])
        XCTAssertEqual(m.validationMIoU.map(\.mIoU), [0.125, 0.5])
        XCTAssertEqual(m.validationLoss.map(\.loss), [1.5, 1])

        try Data((lines + "{\"kind\":\"train\",\"epoch\":2}\n").utf8).write(to: folder.appendingPathComponent("metrics.jsonl"))
        XCTAssertThrowsError(try RunMetrics.read(runFolder: folder)) { e in
            let text = (e as? LocalizedError)?.errorDescription ?? ""
            XCTAssertTrue(text.contains("metrics.jsonl") && text.contains("line 5") && text.contains("\"loss\""), text)
        }
    }

    private func method(_ name: String, _ mIoU: Double) -> DemoResults.Method {
        .init(name: name, model: name, trainableValues: 1, trainingSeconds: nil, bestValidationMIoU: nil,
              test: .init(mIoU: mIoU, mDice: mIoU, regions: 10, images: 4, model: name, seconds: 1))
    }

    func testVerdictComesFromTheNumbers() {
        let win = DemoResults.verdict([method("zero-shot", 0.2), method("from scratch", 0.1), method("SimCMF + LoRA", 0.6)],
                                      trainingImages: 20, epochs: 3)
        XCTAssertTrue(win.beats)
        XCTAssertTrue(win.text.contains("zero-shot by +0.4000") && win.text.contains("from scratch by +0.5000"), win.text)
        let lose = DemoResults.verdict([method("zero-shot", 0.7), method("from scratch", 0.1), method("SimCMF + LoRA", 0.6)],
                                       trainingImages: 20, epochs: 3)
        XCTAssertFalse(lose.beats)
        XCTAssertTrue(lose.text.contains("does NOT beat zero-shot ("), lose.text)
        XCTAssertFalse(lose.text.contains("NOT beat zero-shot and from scratch"), lose.text)
    }

    func testReportHTMLHoldsTheTableAndCurves() {
        let metrics = RunMetrics(trainingLoss: [(0, 1.2), (1, 0.9)], validationMIoU: [(0, 0.1), (2, 0.55)], validationLoss: [(0, 1), (2, 0.5)])
        let report = DemoReport(title: "T", settings: [("seed", "7")],
                                methods: [.init(name: "zero-shot", description: "LiteMedSAM", trainableValues: nil, trainingSeconds: nil,
                                                testMIoU: 0.25, testMDice: 0.3, testRegions: 12, bestValidationMIoU: nil, metrics: nil,
                                                overlays: ["eval/z/overlays/a.png"], colour: "#888"),
                                          .init(name: "SimCMF", description: "mixer + LoRA", trainableValues: 1234567, trainingSeconds: 75,
                                                testMIoU: 0.5, testMDice: 0.6, testRegions: 12, bestValidationMIoU: 0.55, metrics: metrics,
                                                overlays: [], colour: "#00f")],
                                verdict: "v")
        let html = report.html()
        XCTAssertTrue(html.contains("<b>0.2500</b>") && html.contains("<b>0.5000</b>"))
        XCTAssertTrue(html.contains("1,234,567"))
        XCTAssertTrue(html.contains("1m15s"))
        XCTAssertTrue(html.contains("src=\"eval/z/overlays/a.png\""))
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 2)
        // The loss curve has SimCMF's two epochs; zero-shot appears in the mIoU chart as a dashed level.
        XCTAssertEqual(report.lossChart().series.count, 1)
        XCTAssertEqual(report.lossChart().series[0].points.map(\.x), [1, 2])
        let m = report.mIoUChart()
        XCTAssertEqual(m.series.count, 2)
        XCTAssertTrue(m.series[0].dashed)
        XCTAssertEqual(m.series[0].points.map(\.y), [0.25, 0.25])
        XCTAssertEqual(m.series[0].points.map(\.x), [0, 2])
    }

    func testClicksSectionShowsTheCurveAndTheTable() {
        // Two objects over 3 clicks: curve (0.2, 0.73, 0.9); NoC@85 (3 + 2) / 2, NoC@90 (3 + 3) / 2 (b never reaches 0.9).
        let result = InteractiveResult(regions: [
            .init(exampleIndex: 0, exampleID: "a", region: 1, pixelCount: 9, clicks: [], ious: [0.1, 0.6, 0.95], firstDice: 0, firstLoss: 0),
            .init(exampleIndex: 1, exampleID: "b", region: 1, pixelCount: 9, clicks: [], ious: [0.3, 0.86, 0.85], firstDice: 0, firstLoss: 0),
        ], maxClicks: 3, maskPrompt: true, imageCount: 2, skippedImages: 0)
        let clicks = InteractiveSummary(result) { values, images in BootstrapInterval(values: values, images: images, resamples: 10) }
        XCTAssertEqual(clicks.afterClicks.map(\.clicks), [1, 3])
        XCTAssertEqual(clicks.noc85, 2.5); XCTAssertEqual(clicks.noc90, 3); XCTAssertEqual(clicks.notReached90, 1)
        let report = DemoReport(title: "T", settings: [],
                                methods: [.init(name: "SimCMF", description: "d", trainableValues: 1, trainingSeconds: 1, testMIoU: 0.2,
                                                testInterval: clicks.afterClicks[0].interval, testMDice: 0.3, testRegions: 2,
                                                bestValidationMIoU: nil, metrics: nil, overlays: [], clicks: clicks, colour: "#00f")],
                                verdict: "v")
        let html = report.html()
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 3)
        XCTAssertTrue(html.contains("at most 3 clicks per object"))
        XCTAssertTrue(html.contains("<th>mIoU after 1 click</th><th>mIoU after 3 clicks</th>"), html)
        XCTAssertTrue(html.contains("<td>2.50</td><td>3.00</td>"), html)
        XCTAssertEqual(report.clicksChart().series[0].points.map(\.x), [1, 2, 3])
        for (got, want) in zip(report.clicksChart().series[0].points.map(\.y), [0.2, 0.73, 0.9]) { XCTAssertEqual(got, want, accuracy: 1e-12) }
    }
}
