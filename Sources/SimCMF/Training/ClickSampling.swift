import TensorCore

/// A click `(x, y)` in model-input pixels: `x` = column, `y` = row (the prompt encoder adds 0.5).
public struct Click: Sendable, Hashable, Codable {
    public var x: Float
    public var y: Float
    public init(x: Float, y: Float) { self.x = x; self.y = y }
}

/// A box `(x0, y0, x1, y1)` in model-input pixels (MedSAM convention: inclusive pixel extremes).
public struct Box: Sendable, Equatable, Codable {
    public var x0: Float, y0: Float, x1: Float, y1: Float
    public init(x0: Float, y0: Float, x1: Float, y1: Float) { self.x0 = x0; self.y0 = y0; self.x1 = x1; self.y1 = y1 }
}

/// Which prompt the model gets per object: SimCMF uses one positive click; LiteMedSAM a box.
public enum PromptKind: String, Sendable, Codable {
    case click, box, clickAndBox
}

/// Region and click selection exactly as the reference (docs/REFERENCE.md §5, §6), with background 0
/// dropped explicitly (docs/REFERENCE.md §9.7 fixed).
public enum ClickSampling {
    /// Training candidates: ids ≠ 0 whose pixel count is **≥** `minimumPixels` (nil: every nonzero id),
    /// ascending. The reference drops the first surviving value instead of 0 (docs/REFERENCE.md §9.7).
    public static func trainingCandidates(_ label: LabelMap, minimumPixels: Int?) -> [Int32] {
        label.regionCounts.filter { $0.id != 0 && $0.count >= (minimumPixels ?? 0) }.map(\.id)
    }

    /// Evaluation regions: ids > 0 whose pixel count is **>** `minimumPixels` (nil: every id > 0), ascending.
    public static func evaluationRegions(_ label: LabelMap, minimumPixels: Int?) -> [Int32] {
        label.regionCounts.filter { r in r.id > 0 && (minimumPixels.map { r.count > $0 } ?? true) }.map(\.id)
    }

    /// Row-major flat indices of the pixels of `region` (NumPy `argwhere` order).
    static func pixels(of region: Int32, in label: LabelMap) -> [Int] {
        var out: [Int] = []
        for (i, v) in label.ids.enumerated() where v == region { out.append(i) }
        return out
    }

    /// `utils.random_click(middle=True)`: the pixel at `indices[len / 2]` of the raster-order list
    /// (the median pixel in raster order), as `(x, y)`. Nil if the region is absent.
    public static func middleClick(of region: Int32, in label: LabelMap) -> Click? {
        let p = pixels(of: region, in: label)
        guard !p.isEmpty else { return nil }
        let i = p[p.count / 2]
        return Click(x: Float(i % label.width), y: Float(i / label.width))
    }

    /// `utils.random_click`: a uniformly random pixel of `region` as `(x, y)`. Nil if the region is absent.
    public static func randomClick(of region: Int32, in label: LabelMap, using g: inout SeededGenerator) -> Click? {
        let p = pixels(of: region, in: label)
        guard !p.isEmpty else { return nil }
        let i = p[uniformIndex(p.count, using: &g)]
        return Click(x: Float(i % label.width), y: Float(i / label.width))
    }

    /// The bounding box of `region`: `(min x, min y, max x, max y)` over its pixels. Nil if absent.
    public static func boundingBox(of region: Int32, in label: LabelMap) -> Box? {
        var x0 = Int.max, y0 = Int.max, x1 = -1, y1 = -1
        for (i, v) in label.ids.enumerated() where v == region {
            let x = i % label.width, y = i / label.width
            x0 = Swift.min(x0, x); x1 = Swift.max(x1, x); y0 = Swift.min(y0, y); y1 = Swift.max(y1, y)
        }
        guard x1 >= 0 else { return nil }
        return Box(x0: Float(x0), y0: Float(y0), x1: Float(x1), y1: Float(y1))
    }

    /// MedSAM's training perturbation: each side moves outwards by a uniform integer in `0...shift`
    /// (order x0, x1, y0, y1), clamped to `[0, width]` / `[0, height]`.
    public static func jittered(_ b: Box, shift: Int, width: Int, height: Int, using g: inout SeededGenerator) -> Box {
        guard shift > 0 else { return b }
        var o = b
        o.x0 = Swift.max(0, b.x0 - Float(uniformIndex(shift + 1, using: &g)))
        o.x1 = Swift.min(Float(width), b.x1 + Float(uniformIndex(shift + 1, using: &g)))
        o.y0 = Swift.max(0, b.y0 - Float(uniformIndex(shift + 1, using: &g)))
        o.y1 = Swift.min(Float(height), b.y1 + Float(uniformIndex(shift + 1, using: &g)))
        return o
    }

    /// A uniform integer in `0..<n` without modulo bias (rejection sampling on 64-bit draws), so
    /// the stream depends only on the generator, not on the standard library's algorithm.
    public static func uniformIndex(_ n: Int, using g: inout SeededGenerator) -> Int {
        precondition(n > 0, "uniformIndex: empty range")
        let m = UInt64(n)
        let limit = UInt64.max - UInt64.max % m   // accept draws below the largest multiple of m
        while true {
            let r = g.next()
            if r < limit { return Int(r % m) }
        }
    }

    /// Fisher–Yates shuffle of `0..<n` with `uniformIndex`.
    public static func shuffledIndices(_ n: Int, using g: inout SeededGenerator) -> [Int] {
        var a = Array(0..<n)
        if n < 2 { return a }
        for i in stride(from: n - 1, through: 1, by: -1) { a.swapAt(i, uniformIndex(i + 1, using: &g)) }
        return a
    }
}

/// One object to segment: its region id and its prompt in input pixels.
public struct ObjectPrompt: Sendable, Equatable {
    public var region: Int32
    public var click: Click
    public var box: Box?
}

extension Array where Element == ObjectPrompt {
    /// `SAMPrompts` for these objects, one per batch item: clicks `[B, 1, 2]` label 1 and/or boxes `[B, 4]`.
    func samPrompts(kind: PromptKind) -> SAMPrompts {
        var p = SAMPrompts()
        if kind != .box {
            p.pointCoordinates = Tensor(shape: [count, 1, 2], values: flatMap { [$0.click.x, $0.click.y] })
            p.pointLabels = Tensor(shape: [count, 1], repeating: 1)
        }
        if kind != .click {
            p.boxes = Tensor(shape: [count, 4], values: flatMap { o -> [Float] in
                let b = o.box!
                return [b.x0, b.y0, b.x1, b.y1]
            })
        }
        return p
    }
}
