import TensorCore

/// The prompts of a batch for SAM's prompt encoder, in the model-input pixel frame (x, y).
/// Every present field has the same batch size B.
public struct SAMPrompts: Sendable {
    /// `[B, N, 2]` point coordinates (x, y) in input pixels.
    public var pointCoordinates: Tensor?
    /// `[B, N]` labels: 1 foreground, 0 background, −1 not a point (padding).
    public var pointLabels: Tensor?
    /// `[B, 4]` boxes `(x0, y0, x1, y1)` in input pixels.
    public var boxes: Tensor?
    /// `[B, 1, 4h, 4w]` low-resolution mask logits (256 × 256 for SAM).
    public var masks: Tensor?

    public init(pointCoordinates: Tensor? = nil, pointLabels: Tensor? = nil, boxes: Tensor? = nil, masks: Tensor? = nil) {
        self.pointCoordinates = pointCoordinates
        self.pointLabels = pointLabels
        self.boxes = boxes
        self.masks = masks
    }

    /// One click per batch item: `points [B, 2]` (x, y) with the same label.
    public static func clicks(_ points: [(x: Float, y: Float)], label: Int = 1) -> SAMPrompts {
        SAMPrompts(pointCoordinates: Tensor(shape: [points.count, 1, 2], values: points.flatMap { [$0.x, $0.y] }),
                   pointLabels: Tensor(shape: [points.count, 1], repeating: Float(label)))
    }

    /// The batch size: from the points, else the boxes, else the masks, else 1 (as segment-anything).
    public var batchSize: Int { pointCoordinates?.shape[0] ?? boxes?.shape[0] ?? masks?.shape[0] ?? 1 }
}
