/// One mask of automatic mask generation, as segment-anything's `SamAutomaticMaskGenerator.generate`
/// returns it (its record key in brackets), all coordinates in pixels of the whole image.
public struct GeneratedMask: Sendable, Equatable {
    /// The mask (`segmentation`); its `area` is `area`.
    public var mask: RegionMask
    /// The box (`bbox`, here inclusive XYXY; `MaskBox.xywh` gives segment-anything's XYWH).
    public var box: MaskBox
    /// The model's own estimate of the mask's IoU (`predicted_iou`).
    public var predictedIoU: Float
    /// `StabilityScore` of its logits at the crop's size (`stability_score`).
    public var stabilityScore: Float
    /// The point prompt `(x, y)` that produced it (`point_coords`), Float64.
    public var point: SIMD2<Double>
    /// The crop it was predicted in (`crop_box`).
    public var cropBox: CropBox

    public var area: Int { mask.area }
}
