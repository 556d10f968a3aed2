import Foundation
import TensorCore

/// A fine-tuning strategy (the reference's `-net`), one protocol for every encoder family: it may add
/// modules to a SAM-style model (LoRA pairs, adapters, prompt or prefix tokens) and decides which of its
/// parameters train. Independently of the strategy, the alignment module in front always trains
/// (`image_encoder.projector.…` or the pixel mixer) and the prompt encoder never does (docs/REFERENCE.md §4,
/// `set_trainable_params`). `FineTuningRegistry` maps the CLI names to strategies.
public protocol FineTuningStrategy: Sendable {
    /// The reference's `-net` name (`sam_lora`, …; aims's own strategies have their registry name).
    var name: String { get }
    /// The registry name (`full`, `linear`, `lora`, `adapter`, `prompt`, `prefix`, `decoder`, `frozen`).
    var identifier: String { get }
    /// Why this strategy is undefined on `family`, or nil when it applies (default: applies everywhere).
    func refusal(for family: EncoderFamily) -> String?
    /// Adds this strategy's modules to `model`; new parameters are named as in the reference. Throws if
    /// the model already carries fine-tuning modules or the family is refused.
    func install(into model: any PromptableSAM, generator: inout SeededGenerator) throws
    /// Whether the parameter `name` (an official or fine-tuning key of the encoder or mask decoder) trains.
    func trains(_ name: String) -> Bool
}

extension FineTuningStrategy {
    public func refusal(for family: EncoderFamily) -> String? { nil }

    /// Throws `FineTuningError.unsupported` when `refusal(for:)` names a reason.
    public func check(_ family: EncoderFamily) throws {
        if let reason = refusal(for: family) {
            throw FineTuningError.unsupported(strategy: identifier, family: family.rawValue, reason: reason)
        }
    }
}

/// Errors choosing or installing a strategy.
public enum FineTuningError: Error, LocalizedError, Equatable {
    /// The module at `field` already carries fine-tuning modules (a strategy was installed twice).
    case alreadyInstalled(field: String)
    /// A hyper-parameter out of range.
    case invalidHyperParameter(field: String, value: String)
    /// No strategy has this registry name.
    case unknownStrategy(name: String, known: [String])
    /// The strategy is undefined on this encoder family, and why.
    case unsupported(strategy: String, family: String, reason: String)

    public var errorDescription: String? {
        switch self {
        case let .alreadyInstalled(field): return "\(field): fine-tuning modules are already installed"
        case let .invalidHyperParameter(field, value): return "fine-tuning \(field): invalid value \(value)"
        case let .unknownStrategy(name, known): return "unknown fine-tuning strategy \(name) (known: \(known.joined(separator: ", ")))"
        case let .unsupported(strategy, family, reason): return "fine-tuning strategy \(strategy) on a \(family) encoder: \(reason)"
        }
    }
}
