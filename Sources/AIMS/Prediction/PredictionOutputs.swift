import Foundation
import ImageIO
import SimCMF
import TensorCore

/// One mask of `aims predict --everything` in its JSON: label (in the label image), area in pixels, inclusive
/// box `[x0, y0, x1, y1]`, predicted IoU, stability score, the point prompt `[x, y]` and the crop `[x0, y0, x1, y1)`
/// (end exclusive) it came from, all in the image's pixels. A score that is not a number (the stability score of a
/// mask with no logit above `threshold − offset`, kept only when its filter is off) is null.
public struct EverythingMaskRecord: Codable, Equatable {
    public var label: Int
    public var area: Int
    public var box: [Int]
    public var predictedIoU: Double?
    public var stabilityScore: Double?
    public var point: [Double]
    public var cropBox: [Int]

    /// Every key, a missing score as null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .label); try c.encode(area, forKey: .area); try c.encode(box, forKey: .box)
        try c.encode(predictedIoU, forKey: .predictedIoU); try c.encode(stabilityScore, forKey: .stabilityScore)
        try c.encode(point, forKey: .point); try c.encode(cropBox, forKey: .cropBox)
    }
}

/// What `aims predict` wrote for one image or sample, as its `--json` lists it.
public struct PredictionRecord: Encodable {
    public var id: String
    public var inputs: [String]
    /// The capture's size in pixels.
    public var height: Int
    public var width: Int
    /// Prompts: the mask PNG (8-bit, 255 inside), its pixel count, inclusive box and predicted IoU.
    public var mask: String?
    public var maskPixels: Int?
    public var maskBox: [Int]?
    public var predictedIoU: Double?
    /// Everything: the 16-bit label PNG, the per-mask JSON file and its masks (label k is `masks[k − 1]`).
    public var labels: String?
    public var masksFile: String?
    public var masks: [EverythingMaskRecord]?
    public var overlay: String?

    public init(id: String, inputs: [String], height: Int, width: Int) {
        self.id = id; self.inputs = inputs; self.height = height; self.width = width
    }
}

/// Writing `aims predict`'s files, each atomically.
public enum PredictionOutputs {
    /// A file-name stem for a sample id: characters other than letters, digits and `.-_` become `_` (80 at most).
    public static func stem(_ id: String) -> String {
        String(id.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" }.prefix(80))
    }

    /// The mask `logits > 0` of `[H, W]` logits as an 8-bit PNG (255 inside), or a TIFF for a `.tif` name carrying
    /// `source`'s GeoTIFF tags (`MaskFile`); returns the mask `[1, H, W]` (0/255).
    @discardableResult
    public static func writeMask(logits: Tensor, to url: URL, source: URL? = nil, page: Int = 0) throws -> Tensor {
        let mask = MaskPictures.binary(logits.reshaped([1] + logits.shape.suffix(2)))
        try MaskFile.write(mask, to: url, source: source, page: page)
        return mask
    }

    /// The label image (16-bit PNG, `LabelImage`), the per-mask JSON beside it and, with `overlay`, the picture
    /// `[3, H, W]` (0–255) with every mask blended in its label's colour and outlined. Returns the records in label order.
    public static func writeEverything(_ masks: [GeneratedMask], picture: Tensor, labels: URL, json: URL, overlay: URL?) throws -> [EverythingMaskRecord] {
        let (h, w) = (picture.shape[1], picture.shape[2])
        let ordered = LabelImage.order(masks).map { masks[$0] }
        let image = LabelImage.render(ordered, height: h, width: w)
        try PNGCodec.write(RawImage(tensor: image, dtype: .uint16), to: labels)
        let records = ordered.enumerated().map { k, m in
            EverythingMaskRecord(label: k + 1, area: m.area, box: m.box.xyxy, predictedIoU: m.predictedIoU.isNaN ? nil : Double(m.predictedIoU),
                                 stabilityScore: m.stabilityScore.isNaN ? nil : Double(m.stabilityScore), point: [m.point.x, m.point.y],
                                 cropBox: m.cropBox.xyxy)
        }
        try RunFolderJSON.write(records, to: json)
        if let overlay {
            var out = picture
            MaskPictures.blendLabels(&out, labels: image, palette: EvaluationOverlays.palette)
            try PNGCodec.write(RawImage(tensor: out, dtype: .uint8), to: overlay)
        }
        return records
    }
}
