import Foundation

/// Why `aims predict --run` refuses a sample or a prompt; each case names the file or option and what was expected.
public enum PredictionError: Error, LocalizedError, Equatable {
    /// A sample's files do not decode into what the run's modality and model take (channel count, unit, kind, shape).
    case sampleMismatch(sample: String, file: String, field: String, expected: String, got: String, run: String)
    /// The run's modality now declares other channels than the run recorded at training (`aims-train.json: inputChannels`).
    case modalityChanged(modality: String, field: String, recorded: String, now: String, run: String)
    /// The modality given instead of the run's (`--modality`) decodes into other channels than the run was trained on.
    case modalityDoesNotFit(modality: String, field: String, expected: String, got: String, run: String)
    /// `--sample` named no sample: an empty folder, or a folder whose files the modality finds no sample in.
    case noSamples(path: String, modality: String)
    /// A prompt outside the image.
    case promptOutside(option: String, sample: String, expected: String, got: String)
    /// The run's model cannot report scored masks (a model type outside aims's own).
    case unsupportedModel(description: String)

    public var errorDescription: String? {
        switch self {
        case let .sampleMismatch(sample, file, field, expected, got, run):
            return "\(file): \(field): expected \(expected), got \(got) (sample \(sample) does not fit run \(run))"
        case let .modalityChanged(modality, field, recorded, now, run):
            return "modality \(modality): \(field): run \(run) was trained on \(recorded), the modality now gives \(now)"
        case let .modalityDoesNotFit(modality, field, expected, got, run):
            return "modality \(modality): \(field): run \(run) was trained on \(expected), this modality gives \(got)"
        case let .noSamples(path, modality):
            return "\(path): no sample of modality \(modality) (give its files, or a folder in its layout)"
        case let .promptOutside(option, sample, expected, got):
            return "\(option): expected \(expected) for sample \(sample), got \(got)"
        case let .unsupportedModel(description):
            return "\(description): this model gives no predicted IoU (not one of aims's SAM models)"
        }
    }
}
