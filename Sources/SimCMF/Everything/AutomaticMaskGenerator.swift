import Autodiff
import TensorCore
import TensorKernels

/// Segment everything: segment-anything's `SamAutomaticMaskGenerator` on any `PointPromptedModel`, step for
/// step (`generate`, `_generate_masks`, `_process_crop`, `_process_batch`, `postprocess_small_regions`):
///
/// 1. crop boxes (`CropBox.boxes`: the whole image, then `cropLayers` layers of overlapping crops); per crop a
///    grid of point prompts (`PointGrid`, scaled to the crop), decoded `pointsPerBatch` at a time;
/// 2. per mask (K per point, point-major): predicted IoU > threshold; the low-resolution logits mapped to the
///    crop's size (`PointPromptedCrop.upscale`); stability score >= threshold; `logit > maskThreshold`; its box;
///    masks whose box lies within 20 px of an inner crop edge are dropped;
/// 3. per crop, box NMS by predicted IoU (`boxNMSThreshold`); between crops, box NMS preferring the smaller crop
///    (score `1 / crop area`, `cropNMSThreshold`);
/// 4. with `minimumRegionArea` > 0: small holes, then small islands removed from each mask (`SmallRegions`), boxes
///    recomputed, NMS once more preferring unchanged masks (threshold: the larger of the two NMS thresholds).
///
/// Masks are kept in segment-anything's order (the last NMS's: decreasing score). The IoU filter runs before
/// the mask is resized (segment-anything resizes every mask first; per mask the result is the same), so only
/// masks that pass it cost a full-size resize.
public struct AutomaticMaskGenerator {
    public let options: AutomaticMaskOptions

    /// - Throws: `EverythingError.invalidOption`.
    public init(options: AutomaticMaskOptions = AutomaticMaskOptions()) throws {
        try options.validate()
        self.options = options
    }

    /// The crop boxes and the number of point prompts `generate` decodes for an image of this size.
    public func plan(imageHeight h: Int, imageWidth w: Int) -> (crops: [CropBox], points: Int) {
        let crops = CropBox.boxes(imageHeight: h, imageWidth: w, layers: options.cropLayers, overlapRatio: options.cropOverlapRatio)
        let grids = pointGrids
        return (crops, crops.reduce(0) { $0 + grids[$1.layer].count })
    }

    var pointGrids: [[SIMD2<Double>]] {
        PointGrid.layers(pointsPerSide: options.pointsPerSide, cropLayers: options.cropLayers, downscale: options.cropPointsDownscaleFactor)
    }

    /// Every mask the model finds in its image.
    /// - Parameter progress: after each batch, with the point prompts decoded so far and in all.
    public func generate(_ model: any PointPromptedModel, progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> [GeneratedMask] {
        let (h, w) = model.imageSize
        let (crops, total) = plan(imageHeight: h, imageWidth: w)
        let grids = pointGrids
        let multimask = options.multimaskOutput ?? model.multimaskByDefault
        var done = 0
        var masks: [GeneratedMask] = []
        for crop in crops {
            let embedded = try model.embed(crop: crop, multimaskOutput: multimask)
            masks += try process(crop: crop, in: embedded, grid: grids[crop.layer], imageHeight: h, imageWidth: w) { n in
                done += n
                progress?(done, total)
            }
        }
        if crops.count > 1 {
            let scores = masks.map { Float(1) / Float($0.cropBox.area) }
            masks = BoxNMS.keep(boxes: masks.map(\.box), scores: scores, iouThreshold: options.cropNMSThreshold).map { masks[$0] }
        }
        if options.minimumRegionArea > 0 { masks = removeSmallRegions(masks) }
        return masks
    }

    /// `_process_crop`: the crop's grid in batches, then NMS within the crop; masks, boxes and points in image pixels.
    func process(crop: CropBox, in embedded: any PointPromptedCrop, grid: [SIMD2<Double>], imageHeight h: Int, imageWidth w: Int,
                 decoded: (Int) -> Void) throws -> [GeneratedMask] {
        let points = grid.map { SIMD2($0.x * Double(crop.width), $0.y * Double(crop.height)) }
        var masks: [GeneratedMask] = []
        var start = 0
        while start < points.count {
            let batch = Array(points[start..<min(start + options.pointsPerBatch, points.count)])
            masks += try processBatch(batch, crop: crop, in: embedded, imageHeight: h, imageWidth: w)
            start += batch.count
            decoded(batch.count)
        }
        // NMS on boxes in crop pixels (as segment-anything; the same offset on every box changes nothing).
        let local = masks.map { $0.box.offset(dx: -crop.x0, dy: -crop.y0) }
        return BoxNMS.keep(boxes: local, scores: masks.map(\.predictedIoU), iouThreshold: options.boxNMSThreshold).map { masks[$0] }
    }

    /// `_process_batch`: the filters of step 2 for the K masks of each point of one batch.
    func processBatch(_ points: [SIMD2<Double>], crop: CropBox, in embedded: any PointPromptedCrop, imageHeight h: Int,
                      imageWidth w: Int) throws -> [GeneratedMask] {
        let (low, iou) = try embedded.predict(points: points)
        let n = points.count
        guard low.rank == 4, low.shape[0] == n, low.shape[2] > 0, low.shape[3] > 0 else {
            throw EverythingError.modelOutput(field: "low-resolution logits", expected: "[\(n), K, m, m]", got: low.shape)
        }
        let k = low.shape[1]
        guard iou.shape == [n, k] else { throw EverythingError.modelOutput(field: "IoU predictions", expected: "[\(n), \(k)]", got: iou.shape) }
        let iouThreshold = Float(options.predictedIoUThreshold), stabilityThreshold = Float(options.stabilityScoreThreshold)
        let maskThreshold = Float(options.maskThreshold)
        let scores = iou.scalars
        let (ch, cw) = (crop.height, crop.width)
        var out: [GeneratedMask] = []
        for index in 0..<(n * k) {
            let predicted = scores[index]
            if options.predictedIoUThreshold > 0 && !(predicted > iouThreshold) { continue }
            let logits = try embedded.upscale(low.slice(axis: 0, (index / k)..<(index / k + 1)).slice(axis: 1, (index % k)..<(index % k + 1))
                .reshaped([low.shape[2], low.shape[3]]))
            guard logits.shape == [ch, cw] else {
                throw EverythingError.modelOutput(field: "upscaled mask", expected: "[\(ch), \(cw)]", got: logits.shape)
            }
            let (stability, binary) = logits.withUnsafeBufferPointer { l -> (Float, [UInt8]) in
                (StabilityScore.score(l, maskThreshold: options.maskThreshold, offset: options.stabilityScoreOffset),
                 l.map { $0 > maskThreshold ? 1 : 0 })
            }
            if options.stabilityScoreThreshold > 0 && !(stability >= stabilityThreshold) { continue }
            let box = MaskBox.of(binary, height: ch, width: cw)
            if crop.cutsMask(box, imageHeight: h, imageWidth: w) { continue }
            let point = points[index / k]
            out.append(GeneratedMask(mask: RegionMask(binary, height: ch, width: cw, left: crop.x0, top: crop.y0, imageHeight: h, imageWidth: w),
                                     box: box.offset(dx: crop.x0, dy: crop.y0), predictedIoU: predicted, stabilityScore: stability,
                                     point: SIMD2(point.x + Double(crop.x0), point.y + Double(crop.y0)), cropBox: crop))
        }
        return out
    }

    /// `postprocess_small_regions`: holes then islands below `minimumRegionArea` removed; NMS on the new boxes with
    /// score 1 for unchanged and 0 for changed masks; the kept changed masks take their new mask and box.
    func removeSmallRegions(_ masks: [GeneratedMask]) -> [GeneratedMask] {
        guard let first = masks.first else { return masks }
        let (h, w) = (first.mask.imageHeight, first.mask.imageWidth)
        var cleaned: [RegionMask] = []
        var scores: [Float] = []
        for m in masks {
            var full = m.mask.full()
            let holes = SmallRegions.remove(&full, height: h, width: w, areaThreshold: options.minimumRegionArea, mode: .holes)
            let islands = SmallRegions.remove(&full, height: h, width: w, areaThreshold: options.minimumRegionArea, mode: .islands)
            cleaned.append(RegionMask(full, height: h, width: w, imageHeight: h, imageWidth: w))
            scores.append(holes || islands ? 0 : 1)
        }
        let boxes = cleaned.map(\.box)
        let threshold = max(options.boxNMSThreshold, options.cropNMSThreshold)
        return BoxNMS.keep(boxes: boxes, scores: scores, iouThreshold: threshold).map { i in
            var m = masks[i]
            if scores[i] == 0 { m.mask = cleaned[i]; m.box = boxes[i] }
            return m
        }
    }
}
