/// Non-maximum suppression of boxes as torchvision's CPU kernel (`torchvision.ops.nms`, which
/// `batched_nms` calls with one category): visit the boxes by descending score (a stable sort: equal scores
/// in index order), keep each box not yet suppressed and suppress every later box whose IoU with it is above
/// the threshold. IoU in Float32 from `MaskBox` corners (`(x1 − x0)(y1 − y0)` areas, so a one-pixel-wide box
/// has area 0; 0/0 is NaN and suppresses nothing), compared with the Float64 threshold.
///
/// torchvision sorts the kept indices again (unstably) when a call has more than 1000 boxes
/// (`_batched_nms_vanilla`); only the order of exactly equal scores can differ from this there.
public enum BoxNMS {
    /// The indices kept, by descending score.
    public static func keep(boxes: [MaskBox], scores: [Float], iouThreshold: Double) -> [Int] {
        precondition(boxes.count == scores.count, "BoxNMS: \(boxes.count) boxes, \(scores.count) scores")
        let order = boxes.indices.sorted { a, b in
            let (sa, sb) = (scores[a], scores[b])
            if sa.isNaN != sb.isNaN { return sa.isNaN }   // PyTorch sorts NaN first when descending
            return sa > sb || (sa == sb && a < b) || (sa.isNaN && sb.isNaN && a < b)
        }
        let f = boxes.map { (Float($0.x0), Float($0.y0), Float($0.x1), Float($0.y1)) }
        let areas = f.map { ($0.2 - $0.0) * ($0.3 - $0.1) }
        var suppressed = [Bool](repeating: false, count: boxes.count)
        var kept: [Int] = []
        for (n, i) in order.enumerated() where !suppressed[i] {
            kept.append(i)
            let bi = f[i]
            for j in order[(n + 1)...] where !suppressed[j] {
                let bj = f[j]
                let w = max(0, min(bi.2, bj.2) - max(bi.0, bj.0))
                let h = max(0, min(bi.3, bj.3) - max(bi.1, bj.1))
                let inter = w * h
                let iou = inter / (areas[i] + areas[j] - inter)
                if Double(iou) > iouThreshold { suppressed[j] = true }
            }
        }
        return kept
    }
}
