import Foundation

/// Why `aims convert` refused an option or an input.
public enum ConversionError: Error, LocalizedError, Equatable {
    /// `--channels` names a channel the modality does not produce.
    case unknownChannel(name: String, known: [String])
    /// `--format nifti` for an input that is not a volume (a NIfTI file or a DICOM series folder).
    case notAVolume(file: String)
    /// A folder input in which the modality finds no sample and holds no file.
    case emptyFolder(path: String)
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
        case let .optionNotApplicable(option, modality):
            return "\(option) does not apply to modality '\(modality)'"
        }
    }
}
