import Foundation

/// A compared method's result in a pipeline's report: the result, its folders' name (`eval/<slug>`, `runs/<slug>`
/// when trained) and its colour in the charts.
struct MethodRow {
    var method: DemoResults.Method
    var slug: String
    var colour: String

    init(_ name: String, _ slug: String, _ colour: String, _ test: DemoResults.Test, _ run: TrainedRun?) {
        method = DemoResults.Method(name: name, model: run?.model ?? test.model, trainableValues: run?.trainableValues ?? 0,
                                    trainingSeconds: run?.seconds, bestValidationMIoU: run?.bestValidationMIoU,
                                    trainingImages: run?.trainingSamples, test: test)
        self.slug = slug; self.colour = colour
    }

    /// The report's row: the run's curves when trained, the first `overlays` overlay pictures.
    func reportRow(in out: URL, overlays limit: Int = 6) throws -> DemoReport.Method {
        let m = method
        let overlays = Self.overlayFiles(in: out.appendingPathComponent("eval/\(slug)/overlays"), limit: limit).map { "eval/\(slug)/overlays/" + $0 }
        return DemoReport.Method(name: m.name, description: m.model, trainableValues: m.trainableValues, trainingSeconds: m.trainingSeconds,
                                 testMIoU: m.test.mIoU, testInterval: m.test.mIoUInterval, testMDice: m.test.mDice, testRegions: m.test.regions,
                                 bestValidationMIoU: m.bestValidationMIoU,
                                 metrics: m.trainingSeconds == nil ? nil : try RunMetrics.read(runFolder: out.appendingPathComponent("runs/\(slug)")),
                                 overlays: overlays, clicks: m.test.clicks, colour: colour)
    }

    /// Sorted PNG names in `folder`, at most `limit`.
    static func overlayFiles(in folder: URL, limit: Int) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return Array(names.filter { $0.hasSuffix(".png") }.sorted().prefix(limit))
    }
}
