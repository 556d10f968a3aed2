import Foundation

/// fixtures/interactive, written by scripts/make_interactive_fixtures.py (scipy's exact EDT, RITM's click rule
/// ported with it, NumPy's percentile on saved resample indices).
enum InteractiveFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/interactive")

    /// A mask as rows of "0"/"1", and scipy's `distance_transform_edt` of it (row-major), plain and padded.
    struct DistanceCase: Decodable { let mask: [String]; let edt: [Double]; let edtPadded: [Double] }
    struct Click: Decodable { let y: Int; let x: Int; let positive: Bool; let distance: Double }
    /// Truth and prediction as rows of "0"/"1", clicked pixels as `[y, x]`, RITM's next click.
    struct ClickCase: Decodable { let name: String; let truth: [String]; let prediction: [String]; let clicked: [[Int]]; let expected: Click }
    struct Bootstrap: Decodable {
        let ious: [[Double]], indices: [[Int]], means: [Double], mean: Double
        let percentiles: [String: Double], small: [Double], smallPercentiles: [String: Double]
    }

    static func load<T: Decodable>(_ name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// Rows of "0"/"1" (or "."/"#") → (row-major mask, height, width).
    static func mask(_ rows: [String]) -> (values: [Bool], height: Int, width: Int) {
        (rows.flatMap { $0.map { $0 == "1" || $0 == "#" } }, rows.count, rows[0].count)
    }
}
