/// What a built model trains, per group, in parameter values (a dry run's answer; docs/REFERENCE.md §4
/// and §10 give the reference's totals, e.g. 6,057,572 for LoRA with simcmf, C = 9, vit_b).
///
/// Groups, by parameter: the model's `alignmentParameters` (projector or pixel mixer); its `addedParameters`
/// (PEFT modules, found at the layers' seams, so a new strategy needs no entry here); the rest of
/// `image_encoder.*` (encoder), `mask_decoder.*` (decoder) and `prompt_encoder.*`.
public struct TrainableSummary: Equatable, Sendable {
    public enum Group: String, Sendable, CaseIterable, Codable {
        case alignment, encoder, peft, decoder, promptEncoder = "prompt_encoder"
    }

    /// Trainable values per group (every group present, 0 when nothing of it trains).
    public var trainable: [Group: Int]
    /// All values per group, trainable or not.
    public var total: [Group: Int]

    /// Trainable values of the whole model.
    public var trainableTotal: Int { trainable.values.reduce(0, +) }
    /// Values of the whole model.
    public var parameterTotal: Int { total.values.reduce(0, +) }

    /// The summary of `model` as built (strategy installed, trainable flags set).
    public init(_ model: any SegmentationModel) {
        let alignment = Set(model.alignmentParameters.map(ObjectIdentifier.init))
        let added = Set(model.addedParameters.map(ObjectIdentifier.init))
        trainable = Dictionary(uniqueKeysWithValues: Group.allCases.map { ($0, 0) })
        total = trainable
        for p in model.parameters {
            let id = ObjectIdentifier(p)
            let g: Group = alignment.contains(id) ? .alignment : added.contains(id) ? .peft : TrainableSummary.group(of: p.name)
            total[g, default: 0] += p.value.count
            if p.trainable { trainable[g, default: 0] += p.value.count }
        }
    }

    /// The group of an official parameter, by name.
    static func group(of name: String) -> Group {
        if name.hasPrefix("mask_decoder.") { return .decoder }
        if name.hasPrefix("prompt_encoder.") { return .promptEncoder }
        return .encoder
    }
}
