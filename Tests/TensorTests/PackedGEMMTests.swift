import XCTest
import CEngineKernels
@testable import TensorCore
@testable import TensorKernels
import TestComparisons

/// `BLAS.sgemm` on the products `PackedGEMM` takes (AVX-512 register tiles, B packed once per call)
/// against sums in Double, and against OpenBLAS: partial row tiles and panels, depths past one pass,
/// strided operands whose gaps hold NaN (never read, never written), row strides that alias in L1 (the
/// copied-tile path), `alpha` and accumulation; and the same bits whether the rows are split across
/// workers or not. The same for `PackedGEMM.wide`'s products (1×1 convolutions in NCHW), and for the
/// weight-gradient products `BLAS.sgemm` cuts along the depth.
final class PackedGEMMTests: XCTestCase {
    /// `(m, n, k, lda)`: rows not a multiple of the 12-row tile, columns not a multiple of the 32-column
    /// panel or of 16, depths below, at and past one 768-deep pass, and an A stride of 1024 floats (4 KB,
    /// the aliasing case that reads A through a copy).
    let shapes = [(48, 32, 16, 16), (61, 37, 50, 53), (100, 64, 768, 768), (133, 80, 1000, 1003), (97, 50, 900, 1024),
                  (250, 96, 129, 2048)]

    /// `c [m, n]` (rows `ldc` apart) from `BLAS.sgemm` with row-major `a [m, lda]`, and `b` stored `[n, ldb]`
    /// (transB) or `[k, ldb]`.
    /// (`transA`: `a` stored `[k, lda]`.) `c` goes through a 64-byte aligned buffer, as tensors' storage is.
    func product(transA: Bool = false, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int, b: [Float],
                 ldb: Int, beta: Float, c: [Float], ldc: Int, bias: [Float]? = nil) -> [Float] {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: c.count * 4, alignment: 64)
        defer { raw.deallocate() }
        let cp = raw.initializeMemory(as: Float.self, from: c, count: c.count)
        a.withUnsafeBufferPointer { ab in b.withUnsafeBufferPointer { bb in (bias ?? []).withUnsafeBufferPointer { biasBuffer in
            BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: ab.baseAddress!, lda: lda,
                       b: bb.baseAddress!, ldb: ldb, beta: beta, c: cp, ldc: ldc, bias: bias == nil ? nil : biasBuffer.baseAddress!)
        } } }
        return Array(UnsafeBufferPointer(start: cp, count: c.count))
    }

    func testAgainstDoubleSumsWithStridesAndAccumulation() throws {
        try XCTSkipUnless(engine_gemm_packed_available() != 0, "no AVX-512: BLAS.sgemm never takes the packed path here")
        for (m, n, k, lda) in shapes {
            XCTAssertTrue(PackedGEMM.applies(m: m, n: n, k: k), "\(m)x\(n)x\(k) should take the packed path")
            XCTAssertFalse(PackedGEMM.applies(m: m, n: 31, k: k), "narrower than a panel: OpenBLAS")
            for transB in [false, true] {
                // B's stored rows: n of k (transB) or k of n, with a gap of 5 NaN floats after each.
                let (bRows, bWidth) = transB ? (n, k) : (k, n)
                let ldb = bWidth + 5, ldc = n + 3
                let a0 = seededNormals(m * k, 1), b0 = seededNormals(bRows * bWidth, 2), c0 = seededNormals(m * n, 3)
                let a = (0..<m * lda).map { $0 % lda < k ? a0[($0 / lda) * k + $0 % lda] : Float.nan }
                let b = (0..<bRows * ldb).map { $0 % ldb < bWidth ? b0[($0 / ldb) * bWidth + $0 % ldb] : Float.nan }
                let cStrided = (0..<m * ldc).map { $0 % ldc < n ? c0[($0 / ldc) * n + $0 % ldc] : Float.nan }
                for beta: Float in [0, 1] {
                    let what = "\(m)x\(n)x\(k) lda \(lda) transB \(transB) beta \(beta)"
                    let c = product(transB: transB, m: m, n: n, k: k, alpha: 0.7, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
                                    c: cStrided, ldc: ldc)
                    XCTAssertTrue((0..<m * ldc).allSatisfy { $0 % ldc < n || c[$0].isNaN }, "\(what): wrote into C's gaps")
                    let worst = worstError(c, ldc: ldc, m: m, n: n, k: k, beta: beta, c0: c0, a: { a0[$0 * k + $1] },
                                           b: { transB ? b0[$1 * k + $0] : b0[$0 * n + $1] })
                    XCTAssertLessThan(worst, 1e-6, what)   // float rounding of a k-term sum, relative to its size
                }
            }
        }
    }

    func testSplitAcrossWorkersGivesTheSameBits() throws {
        try XCTSkipUnless(engine_gemm_packed_available() != 0, "no AVX-512")
        let (m, n, k) = (1000, 96, 800)   // m·n·k ≥ 2²⁰: split across the workers when OpenBLAS may use several threads
        let a = seededNormals(m * k, 4), b = seededNormals(n * k, 5)
        let saved = BLAS.threadCount
        defer { BLAS.setThreadCount(saved) }
        BLAS.setThreadCount(2)
        let split = product(transB: true, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: k, beta: 0, c: [Float](repeating: 0, count: m * n), ldc: n)
        BLAS.setThreadCount(1)
        let whole = product(transB: true, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: k, beta: 0, c: [Float](repeating: 0, count: m * n), ldc: n)
        XCTAssertEqual(split, whole)
    }

    /// A B of 2¹⁸ values or more (here about a million) is packed by the workers, a run of panels each:
    /// the same bits as packed on one core, and the product within float rounding of Double sums; for B
    /// plain and transposed, with a last panel that is partial.
    func testParallelPackingGivesTheSameBits() throws {
        try XCTSkipUnless(engine_gemm_packed_available() != 0, "no AVX-512")
        let (m, n, k) = (110, 100, 10_500)   // n·k ≥ 2¹⁸: packed in parallel when OpenBLAS may use several threads
        XCTAssertTrue(PackedGEMM.applies(m: m, n: n, k: k), "\(m)x\(n)x\(k) should take the packed path")
        let a = seededNormals(m * k, 23), b = seededNormals(n * k, 24)
        let saved = BLAS.threadCount
        defer { BLAS.setThreadCount(saved) }
        for transB in [false, true] {
            var results: [[Float]] = []
            for threads in [2, 1] {
                BLAS.setThreadCount(threads)
                results.append(product(transB: transB, m: m, n: n, k: k, alpha: 0.7, a: a, lda: k, b: b, ldb: transB ? k : n,
                                       beta: 0, c: [Float](repeating: 0, count: m * n), ldc: n))
            }
            XCTAssertEqual(results[0], results[1], "transB \(transB)")
            let worst = worstError(results[0], ldc: n, m: m, n: n, k: k, beta: 0, c0: [], a: { a[$0 * k + $1] },
                                   b: { transB ? b[$1 * k + $0] : b[$0 * n + $1] })
            XCTAssertLessThan(worst, 1e-6, "transB \(transB)")
        }
    }

    func testMatchesOpenBLASOnLinearLayerShapes() throws {
        try XCTSkipUnless(engine_gemm_packed_available() != 0, "no AVX-512")
        // A linear layer's forward (x·Wᵀ) and input gradient (g·W) at TinyViT-like widths.
        let (m, n, k) = (196, 160, 640)
        let x = seededNormals(m * k, 6), w = seededNormals(n * k, 7), g = seededNormals(m * n, 8)
        let forward = product(transB: true, m: m, n: n, k: k, alpha: 1, a: x, lda: k, b: w, ldb: k, beta: 0,
                              c: [Float](repeating: 0, count: m * n), ldc: n)
        let inputGrad = product(transB: false, m: m, n: k, k: n, alpha: 1, a: g, lda: n, b: w, ldb: k, beta: 0,
                                c: [Float](repeating: 0, count: m * k), ldc: k)
        // The same calls with the kernels held at the portable level, where BLAS.sgemm goes to OpenBLAS.
        engine_use_portable_kernels(1)
        XCTAssertFalse(PackedGEMM.applies(m: m, n: n, k: k))
        let blasForward = product(transB: true, m: m, n: n, k: k, alpha: 1, a: x, lda: k, b: w, ldb: k, beta: 0,
                                  c: [Float](repeating: 0, count: m * n), ldc: n)
        let blasInputGrad = product(transB: false, m: m, n: k, k: n, alpha: 1, a: g, lda: n, b: w, ldb: k, beta: 0,
                                    c: [Float](repeating: 0, count: m * k), ldc: k)
        engine_use_portable_kernels(0)
        // Two float summations of 160 or 640 products of unit normals, in different orders (entries up to ~80).
        XCTAssertLessThan(worstDifference(forward, blasForward), 1e-4, "forward")
        XCTAssertLessThan(worstDifference(inputGrad, blasInputGrad), 1e-4, "input gradient")
        XCTAssertGreaterThan(worstDifference(forward, blasForward), 0, "the two paths were not both taken")
    }

    /// `PackedGEMM.wide` (1×1 convolutions over many pixels: a small A, a wide B) against sums in Double:
    /// A plain and transposed, columns that end inside a 32-column panel and a 512-column block, rows that
    /// end inside a 12-row tile, NaN gaps in every operand, beta 0 and 1; and a C of 4M floats with rows
    /// a multiple of 16 floats apart, which is written with non-temporal stores.
    func testWideAgainstDoubleSums() throws {
        try XCTSkipUnless(engine_gemm_packed_available() != 0, "no AVX-512: BLAS.sgemm never takes the wide path here")
        // (m, n, k, gaps): gaps false gives ldc = n and beta 0 only (the streaming case when m·n ≥ 4M)
        for (m, n, k, gaps) in [(12, 4096, 16, true), (61, 4133, 50, true), (100, 8229, 300, true), (64, 65600, 20, false)] {
            XCTAssertTrue(PackedGEMM.appliesWide(m: m, n: n, k: k), "\(m)x\(n)x\(k) should take the wide path")
            for transA in [false, true] {
                let (aRows, aWidth) = transA ? (k, m) : (m, k)
                let pad = gaps ? 5 : 0, lda = aWidth + pad, ldb = n + pad, ldc = n + (gaps ? 3 : 0)
                let a0 = seededNormals(m * k, 11), b0 = seededNormals(k * n, 12), c0 = seededNormals(m * n, 13)
                let a = (0..<aRows * lda).map { $0 % lda < aWidth ? a0[($0 / lda) * aWidth + $0 % lda] : Float.nan }
                let b = (0..<k * ldb).map { $0 % ldb < n ? b0[($0 / ldb) * n + $0 % ldb] : Float.nan }
                let cStrided = (0..<m * ldc).map { $0 % ldc < n ? c0[($0 / ldc) * n + $0 % ldc] : Float.nan }
                for beta: Float in gaps ? [0, 1] : [0] {
                    let what = "\(m)x\(n)x\(k) transA \(transA) beta \(beta)"
                    let c = product(transA: transA, transB: false, m: m, n: n, k: k, alpha: 0.7, a: a, lda: lda, b: b, ldb: ldb,
                                    beta: beta, c: cStrided, ldc: ldc)
                    XCTAssertTrue((0..<m * ldc).allSatisfy { $0 % ldc < n || c[$0].isNaN }, "\(what): wrote into C's gaps")
                    let worst = worstError(c, ldc: ldc, m: m, n: n, k: k, beta: beta, c0: c0,
                                           a: { transA ? a0[$1 * m + $0] : a0[$0 * k + $1] }, b: { b0[$0 * n + $1] })
                    XCTAssertLessThan(worst, 1e-6, what)
                }
            }
        }
        XCTAssertFalse(PackedGEMM.appliesWide(m: 11, n: 65536, k: 64), "fewer rows than one tile: OpenBLAS")
        XCTAssertFalse(PackedGEMM.appliesWide(m: 256, n: 4096, k: 2304), "deep (a 3×3 conv's im2col): OpenBLAS")
        XCTAssertFalse(PackedGEMM.appliesWide(m: 4096, n: 768, k: 768), "tokens × features: the row-tile path")
    }

    func testWideSplitAcrossWorkersGivesTheSameBits() throws {
        try XCTSkipUnless(engine_gemm_packed_available() != 0, "no AVX-512")
        let (m, n, k) = (40, 9000, 64)
        let a = seededNormals(m * k, 14), b = seededNormals(k * n, 15)
        let saved = BLAS.threadCount
        defer { BLAS.setThreadCount(saved) }
        var results: [[Float]] = []
        for threads in [2, 1] {
            BLAS.setThreadCount(threads)
            results.append(product(transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0,
                                   c: [Float](repeating: 0, count: m * n), ldc: n))
        }
        XCTAssertEqual(results[0], results[1])
    }

    /// Weight-gradient shapes (a small C over a long depth, A or B transposed) that `BLAS.sgemm` cuts into
    /// one depth part per worker (`BLAS.depthSplit`): against Double sums, with NaN gaps in every operand,
    /// depths that do not divide evenly, beta 0 and 1; and not cut when OpenBLAS is held to one thread.
    func testDepthSplitAgainstDoubleSums() throws {
        try XCTSkipUnless(Parallel.workerCount > 1, "one worker: BLAS.sgemm never cuts the depth")
        let saved = BLAS.threadCount
        defer { BLAS.setThreadCount(saved) }
        BLAS.setThreadCount(2)
        for (transA, transB, m, n, k) in [(true, false, 40, 24, 4099), (false, true, 17, 33, 2049), (true, true, 9, 70, 3001)] {
            XCTAssertTrue(BLAS.splitsDepth(transA: transA, transB: transB, m: m, n: n, k: k), "\(m)x\(n)x\(k) should be cut")
            let (aRows, aWidth) = transA ? (k, m) : (m, k), (bRows, bWidth) = transB ? (n, k) : (k, n)
            let lda = aWidth + 5, ldb = bWidth + 3, ldc = n + 2
            let a0 = seededNormals(m * k, 16), b0 = seededNormals(k * n, 17), c0 = seededNormals(m * n, 18)
            let a = (0..<aRows * lda).map { $0 % lda < aWidth ? a0[($0 / lda) * aWidth + $0 % lda] : Float.nan }
            let b = (0..<bRows * ldb).map { $0 % ldb < bWidth ? b0[($0 / ldb) * bWidth + $0 % ldb] : Float.nan }
            let cStrided = (0..<m * ldc).map { $0 % ldc < n ? c0[($0 / ldc) * n + $0 % ldc] : Float.nan }
            for beta: Float in [0, 1] {
                let what = "\(transA ? "T" : "N")\(transB ? "T" : "N") \(m)x\(n)x\(k) beta \(beta)"
                let c = product(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.7, a: a, lda: lda, b: b,
                                ldb: ldb, beta: beta, c: cStrided, ldc: ldc)
                XCTAssertTrue((0..<m * ldc).allSatisfy { $0 % ldc < n || c[$0].isNaN }, "\(what): wrote into C's gaps")
                let worst = worstError(c, ldc: ldc, m: m, n: n, k: k, beta: beta, c0: c0,
                                       a: { transA ? a0[$1 * m + $0] : a0[$0 * k + $1] },
                                       b: { transB ? b0[$1 * k + $0] : b0[$0 * n + $1] })
                XCTAssertLessThan(worst, 1e-6, what)
            }
        }
        XCTAssertFalse(BLAS.splitsDepth(transA: false, transB: false, m: 40, n: 24, k: 4096), "NN: OpenBLAS threads")
        XCTAssertFalse(BLAS.splitsDepth(transA: true, transB: false, m: 40, n: 24, k: 2047), "too shallow")
        XCTAssertFalse(BLAS.splitsDepth(transA: true, transB: false, m: 1280, n: 320, k: 4096), "C too large")
        BLAS.setThreadCount(1)
        XCTAssertFalse(BLAS.splitsDepth(transA: true, transB: false, m: 40, n: 24, k: 4096), "OpenBLAS held to one thread")
    }

    /// A bias added to every row (a linear layer's): in the packed tiles' output (the first depth pass
    /// only, depths past one pass, the aliasing stride, partial panels) and, on the other paths, written
    /// into C first; against Double sums, beta 0 and 1, NaN gaps in C. On the packed path the bits equal
    /// C filled with the bias and accumulated into, as linear layers computed it before.
    func testBiasAgainstDoubleSumsAndPrefilledC() throws {
        // (transA, m, n, k, lda): packed (rows ≥ 48), packed past one 768-deep pass with the aliasing
        // stride, and two OpenBLAS shapes (too few rows; A transposed).
        for (transA, m, n, k, lda) in [(false, 61, 37, 50, 53), (false, 50, 40, 1000, 1024), (false, 20, 33, 40, 41), (true, 64, 48, 30, 70)] {
            let (aRows, aWidth) = transA ? (k, m) : (m, k), ldb = k + 2, ldc = n + 3
            let a0 = seededNormals(m * k, 19), b0 = seededNormals(n * k, 20), c0 = seededNormals(m * n, 21), bias = seededNormals(n, 22)
            let a = (0..<aRows * lda).map { $0 % lda < aWidth ? a0[($0 / lda) * aWidth + $0 % lda] : Float.nan }
            let b = (0..<n * ldb).map { $0 % ldb < k ? b0[($0 / ldb) * k + $0 % ldb] : Float.nan }
            let cStrided = (0..<m * ldc).map { $0 % ldc < n ? c0[($0 / ldc) * n + $0 % ldc] : Float.nan }
            for beta: Float in [0, 1] {
                let what = "transA \(transA) \(m)x\(n)x\(k) lda \(lda) beta \(beta)"
                let c = product(transA: transA, transB: true, m: m, n: n, k: k, alpha: 0.7, a: a, lda: lda, b: b, ldb: ldb,
                                beta: beta, c: cStrided, ldc: ldc, bias: bias)
                XCTAssertTrue((0..<m * ldc).allSatisfy { $0 % ldc < n || c[$0].isNaN }, "\(what): wrote into C's gaps")
                let worst = worstError(c, ldc: ldc, m: m, n: n, k: k, beta: beta, c0: c0,
                                       a: { transA ? a0[$1 * m + $0] : a0[$0 * k + $1] }, b: { b0[$1 * k + $0] }, bias: bias)
                XCTAssertLessThan(worst, 1e-6, what)
                guard beta == 0, !transA, engine_gemm_packed_available() != 0, PackedGEMM.applies(m: m, n: n, k: k) else { continue }
                let prefilled = (0..<m * ldc).map { $0 % ldc < n ? bias[$0 % ldc] : Float.nan }
                let old = product(transB: true, m: m, n: n, k: k, alpha: 0.7, a: a, lda: lda, b: b, ldb: ldb, beta: 1, c: prefilled, ldc: ldc)
                let differing = zip(c, old).filter { $0.bitPattern != $1.bitPattern }.count
                XCTAssertEqual(differing, 0, "\(what): values whose bits differ from the prefilled C's")
            }
        }
    }

    /// The worst error of `c [m, n]` (rows `ldc` apart) against `0.7 · Σ_p a(i, p) · b(p, j) (+ c0 when beta
    /// is 1, + bias[j] when given)` summed in Double, relative to the size of the sum's terms.
    func worstError(_ c: [Float], ldc: Int, m: Int, n: Int, k: Int, beta: Float, c0: [Float], a: (Int, Int) -> Float,
                    b: (Int, Int) -> Float, bias: [Float]? = nil) -> Double {
        var errors: [Double] = []
        for i in 0..<m {
            for j in 0..<n {
                var dot = 0.0, size = 0.0
                for p in 0..<k { let t = Double(a(i, p)) * Double(b(p, j)); dot += t; size += abs(t) }
                let expected = 0.7 * dot + (beta == 1 ? Double(c0[i * n + j]) : 0) + Double(bias?[j] ?? 0)
                errors.append(abs(Double(c[i * ldc + j]) - expected) / (1e-6 + 0.7 * size + abs(expected)))
            }
        }
        return largestError(errors)
    }

    func worstDifference(_ ours: [Float], _ theirs: [Float]) -> Double {
        largestError(zip(ours, theirs).map { (x: Float, y: Float) -> Double in abs(Double(x) - Double(y)) / (1 + abs(Double(y))) })
    }
}
