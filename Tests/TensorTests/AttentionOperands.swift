@testable import TensorKernels

/// `x [rows, width]` laid out with its rows `stride` floats apart, the gaps NaN: an operand that a product must
/// read by its stride, never past a row (a NaN read would show in every result it touches).
func stridedRows(_ x: [Float], rows: Int, width: Int, stride: Int) -> [Float] {
    (0..<rows * stride).map { $0 % stride < width ? x[($0 / stride) * width + $0 % stride] : Float.nan }
}

extension AttentionProducts {
    /// `scores` with `b [m, width]` packed here for the one call: `c [n, m] = alpha · a [n, width] · bᵀ` (`a`'s rows
    /// `lda` apart), plus `c` when `accumulate`.
    func scores(n: Int, alpha: Float, a: [Float], lda: Int, packing b: [Float], m: Int, width: Int, c: inout [Float], accumulate: Bool) {
        b.withUnsafeBufferPointer { bb in
            let packed = pack(bb.baseAddress!, rows: m, width: width)
            defer { packed.release() }
            c.withUnsafeMutableBufferPointer {
                scores(n: n, alpha: alpha, a: a, lda: lda, b: packed, c: $0.baseAddress!, accumulate: accumulate)
            }
        }
    }
}
