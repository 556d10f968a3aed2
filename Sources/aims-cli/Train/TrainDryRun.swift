import AIMS
import Foundation
import SimCMF

/// `aims train --dry-run`: builds the model and strategy a run would train, without data or training, and
/// reports what would train (PEFT's `print_trainable_parameters()` question, asked before committing hours).
/// With `--init scratch --model M --channels C` no weights are read: every module gets its seeded random init,
/// which leaves the counts unchanged.
struct TrainDryRun {
    /// The report, in parameter values (`--json` prints it as is).
    struct Report: Encodable {
        struct Group: Encodable { var trainable: Int; var total: Int }
        var model: String
        var alignment: String
        var strategy: String
        var channels: Int
        var inputSize: Int
        /// Trainable values of the whole model (the summary's `trainableTotal`).
        var trainableParameters: Int
        /// Values of the whole model, trainable or not.
        var parameters: Int
        /// Per group: `alignment`, `encoder`, `peft` (LoRA pairs, adapters, prompt or prefix tokens), `decoder`,
        /// `prompt_encoder` (never trains).
        var groups: [String: Group]
    }

    /// - Parameters:
    ///   - architecture: with `--init scratch`, the model to build without weights (nil: from `weights`).
    static func report(weights: URL, architecture: ModelArchitecture?, channels: Int, alignment: AlignmentKind, strategy: String?,
                       imageSize: Int?, initialization: ModelFactory.Initialization, seed: UInt64) throws -> Report {
        let model: any SegmentationModel
        let description: String, strategyName: String
        if let architecture {
            strategyName = strategy ?? ModelFactory.defaultStrategy(for: architecture.family)
            model = try ModelBuilder.scratch(architecture, channels: channels, alignment: alignment,
                                             strategy: FineTuningRegistry.strategy(named: strategyName, for: architecture.family),
                                             imageSize: imageSize, seed: seed)
            description = "\(architecture.rawValue) from scratch (seed \(seed)) at \(model.inputSize)"
        } else {
            let built = try ModelFactory.build(weights: weights, channels: channels, alignment: alignment, strategy: strategy,
                                               imageSize: imageSize, initialization: initialization, seed: seed)
            (model, description, strategyName) = (built.model, built.description, built.strategy)
        }
        let summary = TrainableSummary(model)
        var groups: [String: Report.Group] = [:]
        for g in TrainableSummary.Group.allCases { groups[g.rawValue] = Report.Group(trainable: summary.trainable[g] ?? 0, total: summary.total[g] ?? 0) }
        return Report(model: description, alignment: alignment.rawValue, strategy: strategyName, channels: channels, inputSize: model.inputSize,
                      trainableParameters: summary.trainableTotal, parameters: summary.parameterTotal, groups: groups)
    }

    /// The human-readable table: one row per group, then the total.
    static func text(_ r: Report) -> String {
        var lines = ["\(r.model): \(r.channels) channels, \(r.alignment) alignment, strategy \(r.strategy), input \(r.inputSize)x\(r.inputSize)",
                     "  group            trainable         total"]
        for g in TrainableSummary.Group.allCases {
            let v = r.groups[g.rawValue]!
            lines.append("  " + g.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
                         + String(format: "%11d  %12d", v.trainable, v.total))
        }
        lines.append("  " + "total".padding(toLength: 14, withPad: " ", startingAt: 0)
                     + String(format: "%11d  %12d  (%.2f %% trains)", r.trainableParameters, r.parameters,
                              100 * Double(r.trainableParameters) / Double(max(r.parameters, 1))))
        return lines.joined(separator: "\n")
    }
}
