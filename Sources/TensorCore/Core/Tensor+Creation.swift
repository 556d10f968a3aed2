extension Tensor {
    /// A scalar (rank-0) tensor.
    public init(_ scalar: Float) { self.init(shape: [], values: [scalar]) }

    /// All zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }
    /// All ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }
    /// Every element equal to `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor { Tensor(shape: shape, repeating: value) }
    /// Zeros with the shape of `other`.
    public static func zeros(like other: Tensor) -> Tensor { Tensor(shape: other.shape, repeating: 0) }

    /// `[start, start + step, ...]` up to but excluding `end` (like `torch.arange`), shape `[n]`.
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange: zero step")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [n]) { b in for i in 0..<n { b[i] = start + Float(i) * step } }
    }

    /// Uniform samples in `[low, high)` drawn in row-major order from `generator`.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               using generator: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape) { b in
            for i in 0..<b.count { b[i] = low + (high - low) * generator.nextUniform() }
        }
    }

    /// Normal samples `mean + std * z` (Box-Muller pairs, row-major) drawn from `generator`.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                              using generator: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape) { b in
            var i = 0
            while i < b.count {
                let (z0, z1) = generator.nextNormalPair()
                b[i] = mean + std * Float(z0)
                if i + 1 < b.count { b[i + 1] = mean + std * Float(z1) }
                i += 2
            }
        }
    }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "Tensor.item: shape \(shape) has \(count) elements")
        return storage.base[0]
    }
}
