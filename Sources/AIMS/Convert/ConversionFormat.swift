/// Output file formats of `aims convert`.
public enum ConversionFormat: String, CaseIterable, Sendable, Codable {
    /// One float32 TIFF per input, one sample per channel, the channel metadata (JSON) in its ImageDescription.
    case tiff
    /// One float32 `[C, H, W]` NPY per input, with a `.json` sidecar of channel metadata.
    case npy
    /// One 16-bit (or 8-bit) grey PNG per input and channel (`<name>_<channel>.png`), the scale of each stated in a
    /// `.json` sidecar: physical = code × scale + offset.
    case png
    /// One float32 NIfTI-1 volume (`.nii.gz`) per volume input (a NIfTI file or a DICOM series folder), on the
    /// source's grid (its affine), with a `.json` sidecar.
    case nifti

    /// The extension of the main output file.
    public var fileExtension: String {
        switch self {
        case .tiff: return "tif"
        case .npy: return "npy"
        case .png: return "png"
        case .nifti: return "nii.gz"
        }
    }
}
