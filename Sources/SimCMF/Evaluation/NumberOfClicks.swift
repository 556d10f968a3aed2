/// The interactive-segmentation metrics over per-object IoU sequences (RITM's `compute_noc_metric`): the
/// sequence of an object holds its IoU after click 1, 2, …, K.
public enum NumberOfClicks {
    /// NoC@`threshold` of one object: the first click count k (1-based) whose IoU is ≥ `threshold`, or
    /// `maxClicks` when no click in `ious` reaches it (RITM: `argmax(iou >= thr) + 1`, else `max_clicks`).
    public static func clicks(toReach threshold: Double, ious: [Double], maxClicks: Int) -> Int {
        ious.prefix(maxClicks).firstIndex { $0 >= threshold }.map { $0 + 1 } ?? maxClicks
    }

    /// Mean NoC@`threshold` over objects (clicks per object).
    public static func mean(toReach threshold: Double, sequences: [[Double]], maxClicks: Int) -> Double {
        precondition(!sequences.isEmpty, "NumberOfClicks: no objects")
        let total = sequences.reduce(0) { $0 + clicks(toReach: threshold, ious: $1, maxClicks: maxClicks) }
        return Double(total) / Double(sequences.count)
    }

    /// Objects whose IoU never reaches `threshold` within their sequence.
    public static func notReached(_ threshold: Double, sequences: [[Double]]) -> Int {
        sequences.filter { !$0.contains { $0 >= threshold } }.count
    }

    /// The mean IoU after each click: element k − 1 is the mean over objects of their IoU after k clicks
    /// (every sequence must have the same length).
    public static func meanCurve(_ sequences: [[Double]]) -> [Double] {
        precondition(!sequences.isEmpty && Set(sequences.map(\.count)).count == 1, "NumberOfClicks: sequences of different lengths")
        return (0..<sequences[0].count).map { k in sequences.reduce(0) { $0 + $1[k] } / Double(sequences.count) }
    }
}
