import Foundation
import TensorFiles

/// The benchmark's HTML report: the summary table (test mIoU per modality and method, the means, the paper's means
/// labelled as another dataset), the noise control, the ablations, then per modality its cue, one picture of every
/// channel, and the demo report's section (settings, table with intervals, verdict, curves, overlays). Every
/// number comes from `results` (the same as `results.json`).
struct BenchmarkReport {
    var results: BenchmarkResults
    /// Per modality (`results.modalities` order), its methods as `DemoReport` rows.
    var sections: [(id: String, methods: [DemoReport.Method])]

    func html() -> String {
        let r = results
        let title = "aims benchmark: SimCMF's AIMS table on physically simulated scenes (LiteMedSAM)" + (r.quick ? " — quick run" : "")
        var h = HTML.document(title: title) + "<h1>\(HTML.escape(title))</h1>\n"
        h += "<p>Command: <code>\(HTML.escape(r.command))</code>. \(r.scenes) scenes per cue dataset, \(r.epochs) epochs per trained method, "
            + "seed \(r.seed), wall time \(DurationText.format(r.seconds)). Test mIoU under the SimCMF protocol (one click per region); "
            + "model selection on each manifest's validation split, never on test.</p>\n"
        h += "<h2>Test mIoU per modality</h2>\n" + summaryTable() + "<p>" + HTML.escape(Self.paperNote(r)) + "</p>\n"
        h += "<ul>" + r.modalities.map { "<li><b>\(HTML.escape($0.id))</b>: \(HTML.escape($0.verdict))</li>" }.joined() + "</ul>\n"
        if let c = r.control {
            h += "<h2>Noise control: \(HTML.escape(c.description))</h2>\n<p>\(c.files) files replaced.</p>"
            h += "<table><tr><th>data</th><th>zero-shot</th><th>SimCMF + LoRA</th><th>gain</th></tr>\n"
            for (name, rows, gain) in [("real \(c.modality)", c.real, c.realGain), ("noise instead of the non-RGB channels", c.noise, c.noiseGain)] {
                h += "<tr><td>\(HTML.escape(name))</td>" + rows.map { String(format: "<td>%.4f</td>", $0.test.mIoU) }.joined()
                    + String(format: "<td>%+.4f</td></tr>\n", gain)
            }
            h += "</table><p class=\"verdict\">\(HTML.escape(c.verdict))</p>\n"
        }
        if let a = r.ablationModality, !r.ablations.isEmpty {
            h += "<h2>Ablations on \(HTML.escape(a)) (SimCMF + LoRA)</h2>\n<table><tr><th>ablation</th><th>setting</th><th>training images</th>"
                + "<th>test mIoU</th><th>95 % CI</th><th>trainable values</th></tr>\n"
            for row in r.ablations {
                h += "<tr><td>\(HTML.escape(row.group))</td><td class=\"l\">\(HTML.escape(row.setting))</td>"
                if let m = row.method {
                    h += "<td>\(m.trainingImages.map(String.init) ?? "–")</td>" + String(format: "<td>%.4f</td>", m.test.mIoU)
                        + "<td>\(m.test.mIoUInterval.map(DemoReport.interval) ?? "–")</td><td>\(DemoReport.grouped(m.trainableValues))</td></tr>\n"
                } else {
                    h += "<td colspan=\"4\" class=\"l\"><i>\(HTML.escape(row.note ?? ""))</i></td></tr>\n"
                }
            }
            h += "</table>\n"
        }
        for (m, section) in zip(r.modalities, sections) {
            h += "<hr><h2 id=\"\(HTML.escape(m.id))\">\(HTML.escape(m.id)): \(HTML.escape(m.name))</h2>\n"
            h += "<p><b>What separates the objects:</b> \(HTML.escape(m.cueExplanation)).</p>\n<div>"
            for p in m.samples {
                let range = p.minimum == p.maximum ? "" : String(format: "<br>%.4g … %.4g", p.minimum, p.maximum)
                h += "<figure><img src=\"\(HTML.escape(p.file))\" width=\"128\" alt=\"\(HTML.escape(p.title))\"><figcaption>\(HTML.escape(p.title))\(range)</figcaption></figure>"
            }
            h += "</div>\n"
            let report = DemoReport(title: m.name, settings: [("dataset convention", m.dataset), ("channels", m.channels.joined(separator: ", ")),
                                                              ("training / validation images", "\(m.trainingImages) / \(m.validationImages)")],
                                    methods: section.methods, verdict: m.verdict)
            h += report.section(level: 3)
        }
        return h + "</body></html>\n"
    }

    /// Modalities as rows, methods as columns (test mIoU), the mean row, and the paper's means as a separate row.
    func summaryTable() -> String {
        let r = results
        let names = r.means.map(\.method)
        var h = "<table><tr><th>modality</th><th>cue</th>" + names.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>\n"
        for m in r.modalities {
            h += "<tr><td><a href=\"#\(HTML.escape(m.id))\">\(HTML.escape(m.id))</a></td><td class=\"l\">\(HTML.escape(m.cue))</td>"
            for name in names {
                guard let x = m.methods.first(where: { $0.name == name }) else { h += "<td>–</td>"; continue }
                h += String(format: "<td>%.4f", x.test.mIoU) + (x.test.mIoUInterval.map { "<br><small>" + DemoReport.interval($0) + "</small>" } ?? "") + "</td>"
            }
            h += "</tr>\n"
        }
        h += "<tr><td><b>mean</b></td><td></td>" + r.means.map { String(format: "<td><b>%.4f</b></td>", $0.mIoU) }.joined() + "</tr>\n"
        h += "<tr><td class=\"l\"><i>paper, real AIMS datasets (SAM ViT-B)</i></td><td></td>" + names.map { name in
            switch name {
            case "zero-shot": return String(format: "<td><i>%.4f</i></td>", r.paperZeroShotMean / 100)
            case "SimCMF + LoRA": return String(format: "<td><i>%.4f</i></td>", r.paperSimCMFMean / 100)
            default: return "<td>–</td>"
            }
        }.joined() + "</tr>\n"
        return h + "</table>\n"
    }

    /// Why the paper's means are beside ours and not comparable.
    static func paperNote(_ r: BenchmarkResults) -> String {
        String(format: "The paper's row (SimCMF, AIMS table: zero-shot SAM %.2f %%, SimCMF %.2f %% mean mIoU) is on the real AIMS datasets "
               + "with SAM ViT-B at 1024 px and the paper's training budget: a different dataset and model, shown for context only. The rows "
               + "above are LiteMedSAM on synthetic scenes rendered so that only each modality's own physical cue separates the objects.",
               r.paperZeroShotMean, r.paperSimCMFMean)
    }

    func write(to url: URL) throws { try AtomicFile.write(Data(html().utf8), to: url) }
}
