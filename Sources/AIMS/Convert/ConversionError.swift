import Foundation

/// Why `aims convert` refused an option or an input.
public enum ConversionError: Error, LocalizedError, Equatable {
    /// `--channels` names a channel the modality does not produce.
    case unknownChannel(name: String, known: [String])
    /// `--format nifti` for an input that is not a volume (a NIfTI file or a DICOM series folder).
    case notAVolume(file: String)
    /// A folder input in which the modality finds no sample and holds no file.
    case emptyFolder(path: String)
    /// Consecutive file inputs that do not make whole samples of the modality's `filesPerSample` files.
    case incompleteSample(modality: String, filesPerSample: Int, files: [String])
    /// An option that does not apply to the modality (e.g. thermal overrides for depth).
    case optionNotApplicable(option: String, modality: String)

    public var errorDescription: String? {
        switch self {
        case let .unknownChannel(name, known):
            return "--channels: unknown channel '\(name)' (this modality has: \(known.joined(separator: ", ")))"
        case let .notAVolume(file):
            return "\(file): --format nifti needs a volume (a .nii/.nii.gz file or a DICOM series folder)"
        case let .emptyFolder(path):
            return "\(path): no input files found"
        case let .incompleteSample(modality, n, files):
            return "\(files.count) consecutive file(s) (\(files.joined(separator: ", "))): modality '\(modality)' takes \(n) files per "
                + "sample, in its decode order (a composite's parts one after another); name whole samples, or give their folder"
        case let .optionNotApplicable(option, modality):
            return "\(option) does not apply to modality '\(modality)'"
        }
    }
}
