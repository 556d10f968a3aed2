import Foundation
import TensorFiles

/// Errors reading exported fine-tuning tensors, naming the field.
public enum TrainableExportError: Error, LocalizedError, Equatable {
    /// The file's alignment module was built for another channel count (`image_encoder.projector` for C=9, model C=4).
    case channelMismatch(field: String, file: Int, model: Int)
    /// The file's alignment module or strategy differs from the model's.
    case configurationMismatch(field: String, file: String, model: String)
    /// Tensors of the file the model lacks, or with another shape.
    case tensors(file: String, problems: [String])

    public var errorDescription: String? {
        switch self {
        case let .channelMismatch(field, f, m):
            return "\(field): the checkpoint's alignment module was built for C=\(f) input channels, the model for C=\(m)"
        case let .configurationMismatch(field, f, m):
            return "\(field): the checkpoint has \(f), the model \(m)"
        case let .tensors(file, problems):
            return "\(file): " + problems.joined(separator: "; ")
        }
    }
}

extension CrossModalSAM {
    /// Metadata keys written with the exported tensors.
    public enum ExportMetadata {
        public static let alignment = "simcmf.alignment"
        public static let channels = "simcmf.channels"
        public static let strategy = "simcmf.strategy"
    }

    /// The trainable tensors (projector, plus the strategy's: LoRA/adapter/prompt/prefix tensors, or the
    /// patch embedding and `pos_embed` for linear probing, or every encoder/decoder tensor for full
    /// fine-tuning) under the reference's state-dict keys, so the file loads into the reference model
    /// with `load_state_dict(strict=False)` (after `safetensors.torch.load_file`).
    public var trainableStateTensors: [NamedTensor] {
        trainableParameters.map { NamedTensor(name: $0.name, storedDType: .float32, tensor: $0.value) }
    }

    /// Writes `trainableStateTensors` as safetensors (float32) with the alignment kind, channel count and
    /// strategy as metadata. Atomic.
    public func exportTrainable(to url: URL) throws {
        try Safetensors.write(trainableStateTensors, metadata: [
            ExportMetadata.alignment: projector.kind.rawValue, ExportMetadata.channels: String(projector.inChannels),
            ExportMetadata.strategy: strategy.name,
        ], to: url)
    }

    /// Loads tensors written by `exportTrainable` (or any file of reference-named tensors) into this model.
    /// Every tensor of the file must exist here with its shape; a channel-count, alignment or strategy
    /// mismatch recorded in the metadata is reported first, naming the field.
    public func loadTrainable(from url: URL) throws {
        let archive = try Safetensors.read(url)
        let file = url.lastPathComponent
        if let c = archive.metadata[ExportMetadata.channels].flatMap(Int.init), c != projector.inChannels {
            throw TrainableExportError.channelMismatch(field: projectorPrefix, file: c, model: projector.inChannels)
        }
        if let k = archive.metadata[ExportMetadata.alignment], k != projector.kind.rawValue {
            throw TrainableExportError.configurationMismatch(field: "alignment module (\(projectorPrefix))", file: k, model: projector.kind.rawValue)
        }
        if let s = archive.metadata[ExportMetadata.strategy], s != strategy.name {
            throw TrainableExportError.configurationMismatch(field: "fine-tuning strategy", file: s, model: strategy.name)
        }
        let byName = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0) })
        var problems: [String] = []
        for t in archive.tensors {
            guard let p = byName[t.name] else { problems.append("\(t.name): not in the model"); continue }
            if p.value.shape != t.shape { problems.append("\(t.name): shape \(t.shape), model \(p.value.shape)") }
        }
        guard problems.isEmpty else { throw TrainableExportError.tensors(file: file, problems: problems) }
        for t in archive.tensors { byName[t.name]!.value = t.tensor }
    }
}
