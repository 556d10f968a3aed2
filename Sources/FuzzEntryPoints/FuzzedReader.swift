import AIMS
import Foundation
import ImageIO
import Modalities
import TensorFiles
import Transforms

/// The readers the fuzz harnesses (`Fuzz/`, built by `scripts/fuzz`) feed arbitrary bytes to, each through the
/// same calls `aims` makes on a file of that kind (`aims inspect`, `aims convert`, `--plugin`, `--manifest`).
/// The regression tests replay the committed inputs of `fixtures/fuzz/<reader>/` through the same calls, so a
/// finding stays fixed without the fuzzer (docs/RELIABILITY.md).
public enum FuzzedReader: String, CaseIterable, Sendable {
    /// `ImageReader`: PNG, JPEG, TIFF (every page), PNM; info, then every page decoded and converted.
    case image
    /// `DICOMImage`: parse, stored pixels, every frame in modality units.
    case dicom
    /// `NIfTIVolume` of a single file (`.nii` or `.nii.gz`), with the voxel statistics `aims inspect` prints.
    case nifti
    /// `FLIRFile`: FFF, SEQ or radiometric JPEG, raw counts of every frame.
    case flir
    /// `TensorFiles.read`: NPY, safetensors, PyTorch `.pth`.
    case tensors
    /// `DeclarativeModalitySpec.parse` and `DeclarativeModality` (a JSON plugin).
    case plugin
    /// `Manifest.decode` and what a run reads from it (splits, sample files).
    case manifest

    /// Reads `bytes` as this reader's kind of file named `file`, as `aims` does; returns normally or throws
    /// the reader's typed error. Any crash, hang or runaway allocation is a finding.
    public func consume(_ bytes: [UInt8], file: String) throws {
        switch self {
        case .image:
            let info = try ImageReader.info(bytes, file: file)
            for page in 0..<min(info.pageCount, 64) {
                _ = try ImageReader.decode(bytes, page: page, file: file).toTensor()
            }
        case .dicom:
            let image = try DICOMImage(bytes: bytes, file: file)
            let stored = try image.storedPixels()
            var stats = RunningStatistics()
            stored.forEachChunk { stats.add($0) }
            for f in 0..<image.frames { _ = try image.modalityValues(frame: f, of: stored) }
        case .nifti:
            let volume = try NIfTIVolume(data: Data(bytes), file: file)
            var stats = RunningStatistics()
            volume.forEachScaledChunk { stats.add($0) }
            _ = volume.header.affine
        case .flir:
            for frame in try FLIRFile.frames(bytes: bytes, file: file) {
                // `aims convert thermal`: counts, then temperatures through the frame's Planck constants.
                _ = try frame.cameraInfo.radiometry().temperatureImage(rawCounts: try frame.rawCounts())
            }
        case .tensors:
            _ = try TensorFiles.read(Data(bytes), file: file)
        case .plugin:
            let spec = try DeclarativeModalitySpec.parse(Data(bytes), file: file)
            let modality = try DeclarativeModality(spec: spec, file: file)
            _ = modality.channels
            _ = modality.normalization
        case .manifest:
            let manifest = try Manifest.decode(Data(bytes), file: file)
            _ = Manifest.root(of: manifest, at: URL(fileURLWithPath: "/nonexistent/\(file)"))
            for split in ["train", "test", "val", "validation-train"] {
                if let ids = manifest.ids(ofSplit: split) { _ = try manifest.sampleFiles(ids) }
            }
            for s in manifest.samples { _ = Manifest.paths(of: s.files) }
        }
    }
}
