import Foundation
import ImageIO
import Modalities
import TensorCore

/// The image `aims predict` segments: any file aims decodes, turned into the 3-channel 0–255
/// picture a SAM-family model expects, plus what was done to get it.
struct PredictInput {
    /// `[3, H, W]` on the 0–255 scale.
    var image: Tensor
    /// How the file's values became 0–255 (reported in `--json`).
    var conversion: String

    /// - Parameters:
    ///   - window: CT window (centre, width) in HU for DICOM; nil = soft tissue (40/400) for CT.
    ///   - frame: DICOM frame or TIFF page.
    static func load(_ url: URL, window: (center: Double, width: Double)?, frame: Int) throws -> PredictInput {
        let head = try FileBytes.readPrefix(url, count: 132)
        if head.count >= 132, Array(head[128..<132]) == Array("DICM".utf8) {
            let dicom = try DICOMImage(contentsOf: url)
            let values = try dicom.modalityValues(frame: frame)  // [S, H, W], HU for CT
            if dicom.samplesPerPixel == 3 {
                return PredictInput(image: values, conversion: "DICOM RGB, stored values")
            }
            if dicom.modality == "CT" || window != nil {
                let w = window.map { CTWindow(name: "custom", center: $0.center, width: $0.width) } ?? .softTissue
                return PredictInput(image: repeatToThree(w.medSAMIntensities(values)),
                                    conversion: "DICOM \(dicom.modality ?? "") HU, MedSAM window \(w.center)/\(w.width)")
            }
            return PredictInput(image: repeatToThree(minMaxTo255(values)), conversion: "DICOM \(dicom.modality ?? "") min-max to 0-255")
        }
        let raw = try ImageReader.read(url, page: frame)
        let t = raw.toTensor()
        let rgb = t.shape[0] >= 3 ? t.slice(axis: 0, 0..<3) : repeatToThree(t.slice(axis: 0, 0..<1))
        if raw.dtype == .uint8 { return PredictInput(image: rgb, conversion: "8-bit image as is") }
        return PredictInput(image: minMaxTo255(rgb), conversion: "\(raw.dtype.rawValue) image min-max to 0-255")
    }

    /// `[1, H, W]` → `[3, H, W]`.
    static func repeatToThree(_ t: Tensor) -> Tensor { Tensor.concat([t, t, t], axis: 0) }

    /// Linear map of the tensor's own range onto 0…255 (a constant image gives 0).
    static func minMaxTo255(_ t: Tensor) -> Tensor {
        let mn = t.amin(axes: Array(0..<t.rank)).scalars[0], mx = t.amax(axes: Array(0..<t.rank)).scalars[0]
        return mx > mn ? (t - Tensor(shape: [], values: [mn])) * Tensor(shape: [], values: [255 / (mx - mn)])
            : Tensor(shape: t.shape, repeating: 0)
    }
}
