import Foundation
import ImageIO
import TensorCore
import TensorFiles

/// A tiny four-channel dataset in a temporary folder: `images/{id}.npy` `[4, side, side]` Float32
/// (channels 0–2 seeded noise in [0, 1), channel 3 a bright square of value 5 on 0 that only it
/// shows), `labels/{id}.png` 8-bit with 1 inside the square, and the JSON plugin spec `plugin.json`.
public struct BridgeDataset {
    public let root: URL
    public let spec: URL
    public let ids: [String]
    public let side: Int
    /// Square origin (x, y) per id; the square is `squareSide` wide.
    public let squares: [String: (x: Int, y: Int)]
    public let squareSide: Int

    /// - Parameter normalization: constants put into the plugin spec (nil: none).
    public static func make(count: Int = 6, side: Int = 24, normalization: (mean: [Double], std: [Double])? = nil) throws -> BridgeDataset {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aims-dataset-\(UUID().uuidString)")
        for dir in ["data/images", "data/labels"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        var generator = SeededGenerator(seed: 11)
        var squares: [String: (x: Int, y: Int)] = [:]
        let squareSide = side * 5 / 12
        var ids: [String] = []
        for i in 0..<count {
            let id = String(format: "s%02d", i)
            ids.append(id)
            let sq = (x: (i * 3) % (side - squareSide), y: (i * 5) % (side - squareSide))
            squares[id] = sq
            var values = [Float](repeating: 0, count: 4 * side * side)
            var label = [Float](repeating: 0, count: side * side)
            for c in 0..<3 { for p in 0..<(side * side) { values[c * side * side + p] = generator.nextUniform() } }
            for y in sq.y..<(sq.y + squareSide) {
                for x in sq.x..<(sq.x + squareSide) { values[3 * side * side + y * side + x] = 5; label[y * side + x] = 1 }
            }
            try NPY.write(Tensor(shape: [4, side, side], values: values), to: root.appendingPathComponent("data/images/\(id).npy"))
            try PNGCodec.write(RawImage(tensor: Tensor(shape: [1, side, side], values: label), dtype: .uint8),
                               to: root.appendingPathComponent("data/labels/\(id).png"))
        }
        let channels = (0..<4).map { c in
            "{\"name\": \"b\(c)\", \"unit\": \"1\", \"kind\": \"intensity\", \"file\": \"images/{id}.npy\", \"band\": \(c)}"
        }.joined(separator: ",\n    ")
        let norm = normalization.map { ",\n  \"normalization\": {\"mean\": \($0.mean), \"std\": \($0.std)}" } ?? ""
        let spec = "{\"identifier\": \"square4\", \"channels\": [\n    \(channels)],\n  \"label\": \"labels/{id}.png\"\(norm)}\n"
        let specURL = root.appendingPathComponent("plugin.json")
        try Data(spec.utf8).write(to: specURL)
        return BridgeDataset(root: root.appendingPathComponent("data"), spec: specURL, ids: ids, side: side, squares: squares, squareSide: squareSide)
    }

    public func remove() { try? FileManager.default.removeItem(at: root.deletingLastPathComponent()) }

    /// The stored array of sample `id`.
    public func array(_ id: String) throws -> Tensor { try NPY.read(root.appendingPathComponent("images/\(id).npy")).tensors[0].tensor }
}
