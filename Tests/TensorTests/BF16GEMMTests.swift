import XCTest
import CEngineKernels
@testable import TensorCore
@testable import TensorKernels

/// `BF16GEMM` (bf16 operands, fp32 accumulation) bit for bit against a scalar Swift reference written
/// from VDPBF16PS's definition, on both kernels (VDPBF16PS and the portable loop); the rounding to bf16
/// against the same definition; and the product against Double sums within the bound bf16's 8-bit
/// significand gives. The reference: operands rounded to nearest even (ties to even, subnormals to a
/// signed zero); per output, per depth block of `BF16GEMM.depthBlock` values from zero, per pair `p`:
/// `acc = fma(a[2p+1], b[2p+1], acc)` then `acc = fma(a[2p], b[2p], acc)`, a subnormal `acc` flushed to
/// a signed zero after each; then `c = alpha · block`, `+ bias` (first block), `+ c` (accumulate or a
/// later block). That order and rounding were checked against this repository's CPU (bf16_gemm.c).
final class BF16GEMMTests: XCTestCase {
    // MARK: the reference

    /// Round to nearest even on the bit pattern, written independently of bf16_gemm.c.
    static func bf16(_ x: Float) -> Float {
        if x.isNaN { return x }
        if x.isSubnormal { return x.sign == .minus ? -0.0 : 0.0 }
        let u = x.bitPattern, lower = u & 0xFFFF, upper = u >> 16
        let up = lower > 0x8000 || (lower == 0x8000 && upper & 1 == 1)
        return Float(bitPattern: (up ? upper + 1 : upper) << 16)
    }

    static func flush(_ x: Float) -> Float { x.isSubnormal ? (x.sign == .minus ? -0.0 : 0.0) : x }

    /// `c [m, n]` (row stride ldc) as the kernels must compute it; `a(i, r)`, `b(r, j)` read op(A), op(B).
    static func reference(m: Int, n: Int, k: Int, alpha: Float, a: (Int, Int) -> Float, b: (Int, Int) -> Float,
                          bias: [Float]?, accumulate: Bool, c: [Float], ldc: Int) -> [Float] {
        var out = c
        let block = BF16GEMM.depthBlock
        for i in 0..<m {
            for j in 0..<n {
                var o = out[i * ldc + j]
                var k0 = 0
                repeat {
                    let kc = Swift.min(block, k - k0)
                    var acc: Float = 0
                    var r = k0
                    while r < k0 + kc {
                        let hi: (Float, Float) = r + 1 < k0 + kc ? (bf16(a(i, r + 1)), bf16(b(r + 1, j))) : (0, 0)
                        acc = flush(acc.addingProduct(hi.0, hi.1))
                        acc = flush(acc.addingProduct(bf16(a(i, r)), bf16(b(r, j))))
                        r += 2
                    }
                    var v = alpha * acc
                    if k0 == 0, let bias { v = v + bias[j] }
                    if accumulate || k0 > 0 { v = v + o }
                    o = v
                    k0 += kc
                } while k0 < k
                out[i * ldc + j] = o
            }
        }
        return out
    }

    // MARK: helpers

    var paths: [BF16GEMM.Path] { engine_bf16_dot_available() != 0 ? [.dpbf16, .portable] : [.portable] }

    func run(_ path: BF16GEMM.Path, transA: Bool = false, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int,
             b: [Float], ldb: Int, bias: [Float]?, accumulate: Bool, c: [Float], ldc: Int) -> [Float] {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, c.count) * 4, alignment: 64)
        defer { raw.deallocate() }
        let cp = raw.initializeMemory(as: Float.self, from: c, count: c.count)
        a.withUnsafeBufferPointer { ab in b.withUnsafeBufferPointer { bb in (bias ?? []).withUnsafeBufferPointer { bp in
            BF16GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: ab.baseAddress!, lda: lda,
                              b: bb.baseAddress!, ldb: ldb, bias: bias == nil ? nil : bp.baseAddress!, accumulate: accumulate,
                              c: cp, ldc: ldc, path: path)
        } } }
        return Array(UnsafeBufferPointer(start: cp, count: c.count))
    }

    /// Equal bits, or both NaN.
    func assertSameBits(_ x: [Float], _ y: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(x.count, y.count, what, file: file, line: line)
        let bad = zip(x, y).enumerated().filter { !($0.element.0.bitPattern == $0.element.1.bitPattern
                                                     || ($0.element.0.isNaN && $0.element.1.isNaN)) }
        XCTAssertTrue(bad.isEmpty, "\(what): \(bad.count) of \(x.count) differ, first at \(bad.first.map { "\($0.offset): \($0.element)" } ?? "")",
                      file: file, line: line)
    }

    // MARK: tests

    func testRoundingMatchesRoundToNearestEven() {
        var specials: [Float] = [0, -0.0, 1, -1, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                 .leastNormalMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1.00390625, 1.01171875,
                                 Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), Float(bitPattern: 0x3F80_8001),
                                 Float(bitPattern: 0x7F7F_FFFF), Float(bitPattern: 0x007F_FFFF)]
        var g = SeededGenerator(seed: 9)
        for _ in 0..<100_000 { specials.append(Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &g))) }
        for x in specials {
            let got = Float(bitPattern: UInt32(BF16GEMM.round(x)) << 16), want = Self.bf16(x)
            XCTAssertTrue(got.bitPattern == want.bitPattern || (got.isNaN && want.isNaN), "bf16(\(x.bitPattern)): \(got) vs \(want)")
        }
        // Ties go to even: 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷ and goes down; 1 + 3·2⁻⁸ goes up.
        XCTAssertEqual(Self.bf16(1.00390625), 1)
        XCTAssertEqual(Self.bf16(1.01171875), 1.015625)
    }

    /// Rows not a multiple of the 12-row tile, columns not a multiple of the 32-column panel, odd depths,
    /// depths past one block, strided operands, bias, alpha, accumulation, both layouts of B.
    func testBothKernelsMatchTheReferenceBitForBit() {
        let block = BF16GEMM.depthBlock
        let shapes = [(1, 1, 1), (13, 33, 7), (25, 64, 64), (12, 31, 2 * block + 3), (37, 70, block + 1), (50, 96, 300)]
        for (m, n, k) in shapes {
            for transB in [false, true] {
                let lda = k + 3, (bRows, bWidth) = transB ? (n, k) : (k, n), ldb = bWidth + 5, ldc = n + 2
                let a0 = seededNormals(m * k, 1), b0 = seededNormals(bRows * bWidth, 2), c0 = seededNormals(m * n, 3), bias = seededNormals(n, 4)
                let a = (0..<m * lda).map { $0 % lda < k ? a0[($0 / lda) * k + $0 % lda] : Float.nan }
                let b = (0..<bRows * ldb).map { $0 % ldb < bWidth ? b0[($0 / ldb) * bWidth + $0 % ldb] : Float.nan }
                let c = (0..<m * ldc).map { $0 % ldc < n ? c0[($0 / ldc) * n + $0 % ldc] : Float.nan }
                for (accumulate, withBias) in [(false, false), (true, true), (false, true)] {
                    let what = "\(m)x\(n)x\(k) transB \(transB) accumulate \(accumulate) bias \(withBias)"
                    let want = Self.reference(m: m, n: n, k: k, alpha: 0.7, a: { a0[$0 * k + $1] },
                                              b: { transB ? b0[$1 * k + $0] : b0[$0 * n + $1] }, bias: withBias ? bias : nil,
                                              accumulate: accumulate, c: c, ldc: ldc)
                    for path in paths {
                        let got = run(path, transB: transB, m: m, n: n, k: k, alpha: 0.7, a: a, lda: lda, b: b, ldb: ldb,
                                      bias: withBias ? bias : nil, accumulate: accumulate, c: c, ldc: ldc)
                        assertSameBits(got, want, "\(what) \(path)")
                    }
                }
            }
        }
    }

    /// Overflowing products (the CPU keeps inf where rounding each product first would give NaN),
    /// subnormal operands and sums, NaN, and values that round up past the largest finite bf16: the two
    /// kernels and the reference agree.
    func testExtremeValuesMatchOnBothKernels() {
        let (m, n, k) = (24, 32, 40)
        var g = SeededGenerator(seed: 11)
        func pick() -> Float {
            switch Int.random(in: 0..<10, using: &g) {
            case 0: return Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &g))   // any bits: huge, tiny, NaN
            case 1: return Float(bitPattern: UInt32.random(in: 1..<0x0080_0000, using: &g))   // subnormal
            case 2: return Float.random(in: -1...1, using: &g) * 1e-19                         // products subnormal
            case 3: return Float.random(in: -1...1, using: &g) * 3e19                          // products overflow
            default: return Float.random(in: -2...2, using: &g)
            }
        }
        let a = (0..<m * k).map { _ in pick() }, b = (0..<k * n).map { _ in pick() }
        let zero = [Float](repeating: 0, count: m * n)
        let want = Self.reference(m: m, n: n, k: k, alpha: 1, a: { a[$0 * k + $1] }, b: { b[$0 * n + $1] }, bias: nil,
                                  accumulate: false, c: zero, ldc: n)
        XCTAssertTrue(want.contains { $0.isInfinite } && want.contains { $0.isNaN }, "the case should reach inf and NaN")
        for path in paths {
            let got = run(path, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, bias: nil, accumulate: false,
                          c: zero, ldc: n)
            assertSameBits(got, want, "extremes \(path)")
        }
    }

    /// Against Double sums of the unrounded operands. Each operand's bf16 rounding has a relative error of
    /// at most u = 2⁻⁸ (8 significant bits, round to nearest), so each product's at most 2u + u²; the fp32
    /// sum of k terms (one rounding per fma, depth blocks then added) adds at most γ = (k + 2)·2⁻²⁴
    /// relative to Σ|a·b| (Higham, the standard bound for recursive summation). So
    /// |c − exact| ≤ ((1 + u)²(1 + γ) − 1) · Σ|a_r · b_r|: about 0.8 % of Σ|a·b|.
    func testProductWithinTheBoundOfBF16Rounding() {
        let (m, n, k) = (40, 48, 1500)
        let a = seededNormals(m * k, 21), b = seededNormals(n * k, 22, scale: 3)
        let u = 1.0 / 256.0, gamma = Double(k + 2) * pow(2.0, -24)
        for path in paths {
            let c = run(path, transB: true, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: k, bias: nil, accumulate: false,
                        c: [Float](repeating: 0, count: m * n), ldc: n)
            var worst = 0.0, typical = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var exact = 0.0, magnitude = 0.0
                    for r in 0..<k { let p = Double(a[i * k + r]) * Double(b[j * k + r]); exact += p; magnitude += abs(p) }
                    let ratio = abs(Double(c[i * n + j]) - exact) / magnitude
                    worst = Swift.max(worst, ratio); typical += ratio / Double(m * n)
                }
            }
            XCTAssertLessThanOrEqual(worst, (1 + u) * (1 + u) * (1 + gamma) - 1, "\(path)")
            // And the rounding is really bf16's (not fp32's): the typical error is far above fp32's 2⁻²⁴.
            XCTAssertGreaterThan(typical, 1e-5, "\(path): errors of fp32 size, not bf16's")
        }
    }

    /// Weight-gradient layout (`op(A) = Aᵀ`, rounded and transposed into pair words in one pass) against the
    /// reference: rows not a multiple of 16, a padded stride, an odd depth over two depth blocks, bias and
    /// accumulation; with the AVX-512 and the scalar packing, and a split across workers giving the same bits.
    func testTransposedAAndWorkerSplit() {
        for (m, n, k, lda, extras) in [(64, 96, 700, 64, false), (37, 50, 1031, 41, true)] {   // A stored [k, lda]
            let a = seededNormals(k * lda, 31), b = seededNormals(k * n, 32), c0 = extras ? seededNormals(m * n, 33) : [Float](repeating: 0, count: m * n)
            let bias = extras ? seededNormals(n, 34) : nil
            let want = Self.reference(m: m, n: n, k: k, alpha: 1, a: { a[$1 * lda + $0] }, b: { b[$0 * n + $1] }, bias: bias,
                                      accumulate: extras, c: c0, ldc: n)
            let saved = BLAS.threadCount
            defer { BLAS.setThreadCount(saved) }
            onBothKernelPaths { portable in
                for threads in [1, 2] {
                    BLAS.setThreadCount(threads)
                    for path in paths {
                        let got = run(path, transA: true, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: n,
                                      bias: bias, accumulate: extras, c: c0, ldc: n)
                        assertSameBits(got, want, "Aᵀ·B \(m)×\(n)×\(k) threads \(threads) \(path) portable packing \(portable)")
                    }
                }
            }
        }
    }

    /// `MatMul.linear` in a `.bf16` scope takes the bf16 product (and fp32 outside it), including on the
    /// workers `Parallel` splits the rows across.
    func testPrecisionScopeReachesLinearAndWorkers() {
        let (m, n, k) = (600, 64, 256)
        let xs = seededNormals(m * k, 41), ws = seededNormals(n * k, 42)
        let x = Tensor(shape: [m, k], values: xs), w = Tensor(shape: [n, k], values: ws)
        let fp32 = MatMul.linear(x, w, nil).scalars
        let bf16 = Precision.$current.withValue(.bf16) { MatMul.linear(x, w, nil).scalars }
        let want = Self.reference(m: m, n: n, k: k, alpha: 1, a: { xs[$0 * k + $1] }, b: { ws[$1 * k + $0] }, bias: nil,
                                  accumulate: false, c: [Float](repeating: 0, count: m * n), ldc: n)
        assertSameBits(bf16, want, "linear in bf16")
        XCTAssertNotEqual(fp32, bf16)
        let seen = UnsafeSendableBox(UnsafeMutablePointer<Precision>.allocate(capacity: 8))
        defer { seen.value.deallocate() }
        Precision.$current.withValue(.bf16) {
            Parallel.concurrentChunks(8, of: 8) { r in for i in r { seen.value[i] = Precision.current } }
        }
        XCTAssertTrue((0..<8).allSatisfy { seen.value[$0] == .bf16 })
    }
}
