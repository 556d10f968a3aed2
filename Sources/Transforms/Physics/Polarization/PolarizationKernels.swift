import CPhysicsKernels
import TensorCore

/// Swift entry points to the vectorised polarization kernels in `Sources/CPhysicsKernels/polarization.c`
/// (one C implementation per operation, compiled for AVX-512, AVX2 and portable).
///
/// Work is split into disjoint row or index ranges and every output element depends only on its own
/// inputs, so the results are identical for any number of threads (`parallel: false` runs one range
/// on the calling thread; the tests compare both).
enum PolarizationKernels {
    /// Bilinear interpolation of `phases.count` rectangular sub-lattices of the `h × w` plane `src`
    /// into planes `dst + c * planeStride` (OpenCV border geometry; `roundHalfUp`: floor(v + 0.5)).
    static func bilinear(src: UnsafePointer<Float>, dst: UnsafeMutablePointer<Float>, planeStride: Int,
                         height h: Int, width w: Int, phases: [(row: Int, col: Int)], roundHalfUp: Bool,
                         parallel: Bool = true) {
        let flat = phases.flatMap { [Int32($0.row), Int32($0.col)] }
        let planes = Int32(phases.count)
        flat.withUnsafeBufferPointer { p in
            let rows = { (lo: Int, hi: Int) in
                physics_pol_bilinear_rows(src, dst, planeStride, h, w, p.baseAddress!, planes, roundHalfUp ? 1 : 0, lo, hi)
            }
            if !parallel { return rows(0, h) }
            // Chunks of rows (not single rows) so each call streams a contiguous block.
            let chunks = min(h, 64)
            Parallel.forEachRow(chunks, cost: h * w * phases.count / chunks) { c in rows(h * c / chunks, h * (c + 1) / chunks) }
        }
    }

    /// Runs `body(lo, hi)` over `0..<count` split into contiguous ranges, in parallel unless `parallel` is false.
    static func ranges(_ count: Int, cost: Int, parallel: Bool, _ body: (Int, Int) -> Void) {
        if !parallel { return body(0, count) }
        Parallel.forEachRange(count, cost: cost) { r in body(r.lowerBound, r.upperBound) }
    }

    /// S0, S1, S2 `[3, n]` from `[4, n]` angle images.
    static func stokes(angles: UnsafePointer<Float>, stokes: UnsafeMutablePointer<Float>, count n: Int, parallel: Bool = true) {
        ranges(n, cost: 4, parallel: parallel) { lo, hi in physics_pol_stokes(angles, n, stokes, lo, hi) }
    }

    /// DoLP `[n]` from Stokes `[3, n]`.
    static func dolp(stokes: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, count n: Int, clamped: Bool,
                     parallel: Bool = true) {
        ranges(n, cost: 8, parallel: parallel) { lo, hi in physics_pol_dolp(stokes, n, clamped ? 1 : 0, out, lo, hi) }
    }

    /// AoLP `[n]` in [0, π) from Stokes `[3, n]`.
    static func aolp(stokes: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, count n: Int, parallel: Bool = true) {
        ranges(n, cost: 16, parallel: parallel) { lo, hi in physics_pol_aolp(stokes, n, out, lo, hi) }
    }

    /// S0 `[n]`, optionally S1 and S2 (`s1s2`), DoLP `[n]` and AoLP `[n]` in one pass over `[4, n]` angle images.
    static func polarimetry(angles: UnsafePointer<Float>, s0: UnsafeMutablePointer<Float>,
                            s1s2: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)?,
                            dolp: UnsafeMutablePointer<Float>, aolp: UnsafeMutablePointer<Float>, count n: Int,
                            parallel: Bool = true) {
        ranges(n, cost: 24, parallel: parallel) { lo, hi in
            physics_pol_polarimetry(angles, n, s0, s1s2?.0, s1s2?.1, dolp, aolp, lo, hi)
        }
    }

    /// Runs `body` with the kernels restricted to a vector ISA (`level` 0: portable, 1: at most AVX2;
    /// nil: the widest the CPU has), for tests that compare the ISA variants. Not thread-safe.
    static func withISA<T>(_ level: Int32?, _ body: () throws -> T) rethrows -> T {
        defer { physics_use_portable_kernels(0) }
        physics_use_portable_kernels(level.map { $0 == 0 ? 1 : 2 } ?? 0)
        return try body()
    }
}
