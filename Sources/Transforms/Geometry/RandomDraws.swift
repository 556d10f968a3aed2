import TensorCore

extension SeededGenerator {
    /// A uniform integer in `0..<n` (n ≥ 1) from one 53-bit uniform draw: `⌊u·n⌋`.
    mutating func uniformIndex(below n: Int) -> Int {
        Swift.min(Int(nextUniformDouble() * Double(n)), n - 1)
    }

    /// A uniform `Double` in `[low, high)`.
    mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * nextUniformDouble() }
}
