/// The one name → strategy table (as `ModalityRegistry` is for modalities): the names `aims train
/// --strategy` accepts, each with its defaults for an encoder family (docs/REFERENCE.md §4). A strategy
/// undefined on a family is refused here with `FineTuningError.unsupported`, saying why.
public enum FineTuningRegistry {
    /// Registry names in display order.
    public static let names = ["full", "linear", "lora", "adapter", "prompt", "prefix", "ia3", "decoder", "frozen"]

    /// Every strategy with its default hyper-parameters (the reference's, where it has the strategy).
    public static let strategies: [any FineTuningStrategy] = [
        FullFineTuning(), LinearProbing(), LoRATuning(), MLPAdapterTuning(), VisualPromptTuning(), PrefixTuning(), IA3Tuning(), DecoderTuning(),
        FrozenModel(),
    ]

    /// The strategy registered as `name`, checked against `family` (nil: not checked).
    public static func strategy(named name: String, for family: EncoderFamily? = nil) throws -> any FineTuningStrategy {
        guard let s = strategies.first(where: { $0.identifier == name }) else {
            throw FineTuningError.unknownStrategy(name: name, known: names)
        }
        if let family { try s.check(family) }
        return s
    }

    /// The registry names `family` supports, in display order.
    public static func names(supportedBy family: EncoderFamily) -> [String] {
        strategies.filter { $0.refusal(for: family) == nil }.map(\.identifier)
    }
}
