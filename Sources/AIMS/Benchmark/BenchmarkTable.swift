import Foundation

/// The benchmark's tables as Markdown (what `aims benchmark` prints and docs/BENCHMARK.md shows): test mIoU per
/// modality and method with the 95 % interval, the means, the paper's means labelled as another dataset, mDice,
/// trainable values and training time of SimCMF + LoRA, the control and the ablations.
public enum BenchmarkTable {
    public static func markdown(_ r: BenchmarkResults) -> String {
        let names = r.means.map(\.method)
        var t = "| modality | cue | " + names.joined(separator: " | ") + " | SimCMF + LoRA mDice | trainable | training |\n"
        t += "|---|---|" + String(repeating: "---:|", count: names.count + 3) + "\n"
        for m in r.modalities {
            t += "| \(m.id) | \(m.cue) | "
            t += names.map { name in
                guard let x = m.methods.first(where: { $0.name == name }) else { return "–" }
                return String(format: "%.3f", x.test.mIoU) + (x.test.mIoUInterval.map { String(format: " [%.3f, %.3f]", $0.lower, $0.upper) } ?? "")
            }.joined(separator: " | ")
            let s = m.methods.first { $0.name == "SimCMF + LoRA" }
            t += " | " + (s.map { String(format: "%.3f", $0.test.mDice) } ?? "–") + " | " + (s.map { "\($0.trainableValues)" } ?? "–")
                + " | " + (s?.trainingSeconds.map { DurationText.format($0) } ?? "–") + " |\n"
        }
        t += "| **mean** | | " + r.means.map { String(format: "**%.3f**", $0.mIoU) }.joined(separator: " | ") + " | | | |\n"
        t += "| *paper, real AIMS datasets, SAM ViT-B (another dataset)* | | " + names.map { name in
            name == "zero-shot" ? String(format: "*%.3f*", r.paperZeroShotMean / 100)
                : name == "SimCMF + LoRA" ? String(format: "*%.3f*", r.paperSimCMFMean / 100) : "–"
        }.joined(separator: " | ") + " | | | |\n"
        if let c = r.control {
            t += "\nNoise control (\(c.description)):\n\n| data | zero-shot | SimCMF + LoRA | gain |\n|---|---:|---:|---:|\n"
            for (name, rows, gain) in [("real \(c.modality)", c.real, c.realGain), ("non-RGB channels replaced by noise", c.noise, c.noiseGain)] {
                t += "| \(name) | " + rows.map { String(format: "%.3f", $0.test.mIoU) }.joined(separator: " | ") + String(format: " | %+.3f |\n", gain)
            }
            t += "\n" + c.verdict + "\n"
        }
        if let a = r.ablationModality, !r.ablations.isEmpty {
            t += "\nAblations on \(a) (SimCMF + LoRA):\n\n| ablation | setting | training images | test mIoU |\n|---|---|---:|---:|\n"
            for row in r.ablations {
                if let m = row.method {
                    t += "| \(row.group) | \(row.setting) | \(m.trainingImages.map(String.init) ?? "–") | " + String(format: "%.3f", m.test.mIoU)
                        + (m.test.mIoUInterval.map { String(format: " [%.3f, %.3f]", $0.lower, $0.upper) } ?? "") + " |\n"
                } else {
                    t += "| \(row.group) | \(row.setting) | – | n/a: \(row.note ?? "") |\n"
                }
            }
        }
        t += "\nVerdicts:\n\n" + r.modalities.map { "- \($0.id): \($0.verdict)" }.joined(separator: "\n") + "\n"
        return t
    }
}
