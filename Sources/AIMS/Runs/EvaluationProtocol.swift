import SimCMF

/// How `aims eval` scores a model (`--protocol`):
/// - `reference`: SimCMF's protocol (docs/REFERENCE.md §6): one click per region at its median raster pixel,
///   single-mask output, IoU at the mask size, mIoU over regions (`Evaluator` with click prompts);
/// - `clicks`: the interactive protocol (RITM-style NoC evaluation, `InteractiveEvaluator`): up to K clicks per
///   object, each at the deepest pixel of the larger error region, the previous mask fed back;
/// - `box`: the reference's scoring with the region's bounding box as prompt (optionally with its median click).
public enum EvaluationProtocol: String, CaseIterable, Codable, Sendable {
    case reference, clicks, box

    /// The protocol and the prompt per region from `--protocol` and `--prompt` (either may be absent; `--prompt`
    /// is the older spelling: `click` is `reference`, `box` is `box`, `click+box` the box protocol with the
    /// median click added). Default: `reference` with one click.
    /// - Throws: `RunOptionError` when the two disagree.
    public static func resolve(protocol named: EvaluationProtocol?, prompt: PromptKind?) throws -> (EvaluationProtocol, PromptKind) {
        let implied: EvaluationProtocol? = prompt.map { $0 == .click ? .reference : .box }
        let chosen = named ?? implied ?? .reference
        if let implied, implied != chosen || chosen == .clicks {
            throw RunOptionError(message: "--prompt \(prompt!.optionName) does not go with --protocol \(chosen.rawValue)"
                                 + " (--prompt click is --protocol reference; box and click+box are --protocol box)")
        }
        switch chosen {
        case .reference, .clicks: return (chosen, .click)
        case .box: return (chosen, prompt ?? .box)
        }
    }
}

extension PromptKind {
    /// The spelling of `aims eval --prompt`: `click`, `box`, `click+box`.
    public var optionName: String { self == .clickAndBox ? "click+box" : rawValue }
}
