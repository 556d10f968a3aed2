import Foundation
import ImageIO
import Modalities
import SimCMF
import TensorCore

/// `aims predict-volume` as one library call: read a NIfTI volume or a DICOM series, scale it as MedSAM does,
/// segment it slice by slice with LiteMedSAM, write the mask as NIfTI on the source's grid, and summarise it.
public struct VolumePrediction {
    /// What a run produced.
    public struct Result: Sendable, Encodable {
        /// What was read (`NIfTI-1 64x64x9`, `DICOM series UID, N slice(s) of WxH`).
        public var source: String
        /// `[nx, ny, nz]`.
        public var shape: [Int]
        /// Voxel → RAS+ millimetres, 4 × 4 row-major, as written in the mask (the sform when set, else the qform).
        public var affine: [[Double]]
        /// nibabel's orientation codes of `affine`, e.g. `"RAS"`, `"LPS"`.
        public var axisCodes: String
        /// How values became 0–255.
        public var conversion: String
        public var mask: VolumeMaskSummary
        /// The slices whose masks were kept, ascending.
        public var slicesSegmented: [Int]
        /// Per slice, in the order they ran.
        public var slices: [SliceOutcome]
        /// DICOM folder files left out.
        public var skippedFiles: [String]
    }

    /// The intensity rule: the window when given (CT), MedSAM's CT default (40/400) for a DICOM CT, else the
    /// percentile rule (MR and NIfTI volumes, which do not say their modality).
    public static func intensity(modality: String?, window: (center: Double, width: Double)?) -> MedSAMVolumeIntensity {
        if let window { return .ctWindow(CTWindow(name: "custom", center: window.center, width: window.width)) }
        return modality == "CT" ? .ctWindow(.softTissue) : .percentiles
    }

    /// Runs it all; the mask is written atomically to `out` (`.nii` or `.nii.gz`). `model` is called once the
    /// volume and the prompt have been checked (loading weights takes a while).
    public static func run(volume url: URL, prompt: VolumePrompt, model: () throws -> TinyViTSAM,
                           window: (center: Double, width: Double)?, out: URL,
                           progress: (SliceOutcome) -> Void = { _ in }) throws -> Result {
        let name = out.lastPathComponent.lowercased()
        guard name.hasSuffix(".nii") || name.hasSuffix(".nii.gz") else {
            throw RunOptionError(message: "out: expected a .nii or .nii.gz file name, got '\(out.lastPathComponent)'")
        }
        if let w = window, w.width < 1 {
            throw RunOptionError(message: "window: expected a width >= 1, got \(w.width)")
        }
        let volume = try MedicalVolume(contentsOf: url)
        let size = volume.size
        try prompt.validate(size: size)
        let rule = intensity(modality: volume.modality, window: window)
        let segmentation = try VolumeSegmenter(model: try model()).segment(rule.apply(volume.values), prompt: prompt, progress: progress)
        try volume.writeMask(segmentation.mask, to: out, description: "aims predict-volume (LiteMedSAM)")
        return Result(source: volume.summary, shape: [size.x, size.y, size.z], affine: volume.affine.matrix4,
                      axisCodes: volume.affine.axisCodes, conversion: rule.summary,
                      mask: VolumeMaskSummary(mask: segmentation.mask, affine: volume.affine),
                      slicesSegmented: segmentation.slices.filter(\.kept).map(\.slice).sorted(), slices: segmentation.slices,
                      skippedFiles: volume.skippedFiles)
    }
}
