/// The settings of `AutomaticMaskGenerator`, named and defaulted as segment-anything's
/// `SamAutomaticMaskGenerator` (its argument name in brackets). Thresholds are compared in Float32, as
/// PyTorch compares a float32 tensor with a Python float.
public struct AutomaticMaskOptions: Sendable, Equatable, Codable {
    /// Points along one side of the grid of point prompts; `pointsPerSide²` prompts per crop of layer 0 (`points_per_side`).
    public var pointsPerSide: Int = 32
    /// Point prompts decoded at once (`points_per_batch`): memory against speed, no effect on the result.
    public var pointsPerBatch: Int = 64
    /// Keep a mask only if its predicted IoU is > this (`pred_iou_thresh`; 0 disables the filter).
    public var predictedIoUThreshold: Double = 0.88
    /// Keep a mask only if its stability score is >= this (`stability_score_thresh`; 0 disables the filter).
    public var stabilityScoreThreshold: Double = 0.95
    /// The logit offset of the stability score (`stability_score_offset`).
    public var stabilityScoreOffset: Double = 1.0
    /// Logit above which a pixel is inside a mask (`Sam.mask_threshold`).
    public var maskThreshold: Double = 0.0
    /// Box IoU above which non-maximum suppression drops the lower-IoU mask within a crop (`box_nms_thresh`).
    public var boxNMSThreshold: Double = 0.7
    /// Crop layers after the whole image; layer i has (2^i)² crops (`crop_n_layers`).
    public var cropLayers: Int = 0
    /// Box IoU above which the mask of the larger crop is dropped between crops (`crop_nms_thresh`).
    public var cropNMSThreshold: Double = 0.7
    /// How much the crops of layer 1 overlap, as a fraction of the shorter image side (`crop_overlap_ratio`).
    public var cropOverlapRatio: Double = 512.0 / 1500.0
    /// Layer i's grid has `pointsPerSide / factor^i` points per side (`crop_n_points_downscale_factor`).
    public var cropPointsDownscaleFactor: Int = 1
    /// Holes and islands smaller than this many pixels are removed from each mask, then boxes and NMS are
    /// redone (`min_mask_region_area`; 0 disables it). Connectivity: 8 neighbours, as OpenCV's.
    public var minimumRegionArea: Int = 0
    /// Three masks per point (the decoder's multimask output, mask tokens 1–3) or one (token 0); nil: the model's
    /// default (`PointPromptedModel`): three for SAM, one for LiteMedSAM and trained runs. segment-anything: always three.
    public var multimaskOutput: Bool? = nil

    public init() {}

    /// - Throws: `EverythingError.invalidOption` naming segment-anything's argument.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ expected: String, _ got: Any) throws {
            if !ok { throw EverythingError.invalidOption(field: field, expected: expected, got: "\(got)") }
        }
        try check(pointsPerSide >= 1, "points_per_side", ">= 1", pointsPerSide)
        try check(pointsPerBatch >= 1, "points_per_batch", ">= 1", pointsPerBatch)
        try check(cropLayers >= 0, "crop_n_layers", ">= 0", cropLayers)
        try check(cropPointsDownscaleFactor >= 1, "crop_n_points_downscale_factor", ">= 1", cropPointsDownscaleFactor)
        var smallest = pointsPerSide
        for _ in 0..<cropLayers { smallest /= cropPointsDownscaleFactor }
        try check(smallest >= 1, "points_per_side", "at least one point per side in crop layer \(cropLayers) "
                  + "(points_per_side / crop_n_points_downscale_factor^crop_n_layers >= 1)", pointsPerSide)
        for (name, v) in [("pred_iou_thresh", predictedIoUThreshold), ("stability_score_thresh", stabilityScoreThreshold),
                          ("box_nms_thresh", boxNMSThreshold), ("crop_nms_thresh", cropNMSThreshold)] {
            try check(v.isFinite && (0...1).contains(v), name, "a number in 0...1", v)
        }
        try check(stabilityScoreOffset.isFinite && stabilityScoreOffset >= 0, "stability_score_offset", "a finite number >= 0", stabilityScoreOffset)
        try check(maskThreshold.isFinite, "mask_threshold", "a finite number", maskThreshold)
        try check(cropOverlapRatio.isFinite && (0..<1).contains(cropOverlapRatio), "crop_overlap_ratio", "a number in [0, 1)", cropOverlapRatio)
        try check(minimumRegionArea >= 0, "min_mask_region_area", ">= 0", minimumRegionArea)
    }
}
