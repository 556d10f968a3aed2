import XCTest
@testable import TensorCore
@testable import TensorKernels

/// Shape ops, broadcasting, reductions and the generator, against hand-derived values.
final class TensorCoreTests: XCTestCase {
    func t(_ shape: [Int]) -> Tensor { Tensor.arange(0, Float(Tensor.elementCount(shape))).reshaped(shape) }

    func testCreation() {
        XCTAssertEqual(Tensor.zeros([2, 3]).scalars, [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Tensor.ones([2]).scalars, [1, 1])
        XCTAssertEqual(Tensor.full([1, 2], 3.5).scalars, [3.5, 3.5])
        XCTAssertEqual(Tensor.arange(1, 2, step: 0.25).scalars, [1, 1.25, 1.5, 1.75])
        XCTAssertEqual(Tensor.arange(0, 5, step: 2).scalars, [0, 2, 4])
        XCTAssertEqual(Tensor(2).shape, [])
    }

    func testGeneratorIsDeterministicAndHasTheRightMoments() {
        var g1 = SeededGenerator(seed: 42), g2 = SeededGenerator(seed: 42), g3 = SeededGenerator(seed: 43)
        let a = Tensor.normal([10000], using: &g1), b = Tensor.normal([10000], using: &g2)
        XCTAssertEqual(a.scalars, b.scalars)
        XCTAssertNotEqual(a.scalars, Tensor.normal([10000], using: &g3).scalars)
        XCTAssertEqual(a.mean().item, 0, accuracy: 0.03)          // 3 sigma of the mean is 0.03
        XCTAssertEqual(a.variance().item, 1, accuracy: 0.05)
        let u = Tensor.uniform([10000], low: -2, high: 2, using: &g1)
        XCTAssertGreaterThanOrEqual(u.amin().item, -2)
        XCTAssertLessThan(u.amax().item, 2)
        XCTAssertEqual(u.mean().item, 0, accuracy: 0.04)
        XCTAssertEqual(u.variance().item, 16.0 / 12, accuracy: 0.05)
        // xoshiro256** reference: state from SplitMix64(0) gives first output 0x99ec5f36cb75f2b4 (Vigna's reference code).
        var g0 = SeededGenerator(seed: 0)
        XCTAssertEqual(g0.next(), 0x99EC_5F36_CB75_F2B4)
    }

    func testPermuteTransposeSlice() {
        let x = t([2, 3, 4])
        let p = x.permuted([2, 0, 1])
        XCTAssertEqual(p.shape, [4, 2, 3])
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { XCTAssertEqual(p[k, i, j], x[i, j, k]) } } }
        XCTAssertEqual(t([2, 3]).transposed().scalars, [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(x.slice(axis: 1, 1..<3).scalars, [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23])
        XCTAssertEqual(x.slice(axis: -1, 3..<4).scalars, [3, 7, 11, 15, 19, 23])
    }

    func testConcatStackPad() {
        let a = t([2, 2]), b = Tensor.full([2, 1], 9)
        XCTAssertEqual(Tensor.concat([a, b], axis: 1).scalars, [0, 1, 9, 2, 3, 9])
        XCTAssertEqual(Tensor.concat([a, a], axis: 0).shape, [4, 2])
        let s = Tensor.stack([a, a + 10], axis: 1)
        XCTAssertEqual(s.shape, [2, 2, 2])
        XCTAssertEqual(s.scalars, [0, 1, 10, 11, 2, 3, 12, 13])
        let p = t([1, 2]).padded([(1, 0), (0, 2)], value: -1)
        XCTAssertEqual(p.shape, [2, 4])
        XCTAssertEqual(p.scalars, [-1, -1, -1, -1, 0, 1, -1, -1])
    }

    func testBroadcastingArithmetic() {
        let a = t([2, 3]), row = Tensor(shape: [3], values: [10, 20, 30]), col = Tensor(shape: [2, 1], values: [100, 200])
        XCTAssertEqual((a + row).scalars, [10, 21, 32, 13, 24, 35])
        XCTAssertEqual((a * col).scalars, [0, 100, 200, 600, 800, 1000])
        XCTAssertEqual((row - col).shape, [2, 3])
        XCTAssertEqual((row - col).scalars, [-90, -80, -70, -190, -180, -170])
        XCTAssertEqual((a / Tensor(2)).scalars, [0, 0.5, 1, 1.5, 2, 2.5])
        // [2,1,3] with [4,1] -> [2,4,3]
        let c = t([2, 1, 3]) + t([4, 1])
        XCTAssertEqual(c.shape, [2, 4, 3])
        XCTAssertEqual(c[1, 2, 1], 4 + 2)
        let expected: [Float] = [15, 21, 27, 33]
        XCTAssertEqual(c.sumToShape([4, 1]).scalars, expected)
        XCTAssertEqual((a + row).sumToShape([3]).scalars, [3 + 20, 5 + 40, 7 + 60])
        XCTAssertEqual(exp(Tensor(shape: [2], values: [0, 1])).scalars[1], Float(M_E), accuracy: 1e-6)
        XCTAssertEqual(a.gt(Tensor(2)).scalars, [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(a.eq(row - 10).scalars, [1, 0, 0, 0, 0, 0])
        XCTAssertEqual(maximum(a, Tensor(2.5)).scalars, [2.5, 2.5, 2.5, 3, 4, 5])
    }

    func testReductions() {
        let x = t([2, 3, 2])
        XCTAssertEqual(x.sum().item, 66)
        XCTAssertEqual(x.sum(axes: [1]).scalars, [6, 9, 24, 27])
        XCTAssertEqual(x.sum(axes: [0, 2], keepDims: true).shape, [1, 3, 1])
        XCTAssertEqual(x.sum(axes: [0, 2]).scalars, [1 + 13, 5 + 17, 9 + 21])
        XCTAssertEqual(x.mean(axes: [-1]).scalars, [0.5, 2.5, 4.5, 6.5, 8.5, 10.5])
        XCTAssertEqual(x.amax(axes: [1]).scalars, [4, 5, 10, 11])
        XCTAssertEqual(x.amin(axes: [0]).scalars, [0, 1, 2, 3, 4, 5])
        // var of [0,2,4] is 4 (unbiased), 8/3 (population)
        XCTAssertEqual(x.variance(axes: [1]).scalars, [4, 4, 4, 4])
        XCTAssertEqual(x.variance(axes: [1], correction: 0).scalars[0], 8.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(Tensor(shape: [2, 3], values: [1, 5, 2, 7, 0, 7]).argmaxLastAxis().scalars, [1, 0])
    }

    func testLargePermuteMatchesNaiveInParallel() {
        var g = SeededGenerator(seed: 1)
        let x = Tensor.normal([8, 33, 65, 5], using: &g)
        let p = x.permuted([3, 1, 0, 2])
        for (a, b, c, d) in [(0, 0, 0, 0), (7, 32, 64, 4), (3, 10, 20, 2), (5, 1, 63, 0)] {
            XCTAssertEqual(p[d, b, a, c], x[a, b, c, d])
        }
        XCTAssertEqual(p.sum().item, x.sum().item, accuracy: 1e-2)
    }

    /// Permutes that are batches of transposes (NCHW ↔ NHWC, `[0, 2, 1]`, a plain matrix transpose) take
    /// the blocked kernel; every element lands where the index arithmetic says, on the AVX-512 and the
    /// portable path, for extents below, at and past the 16 × 16 blocks.
    func testBatchedTransposePermutesPutEveryElementInPlace() {
        let cases: [([Int], [Int])] = [([2, 19, 5, 7], [0, 2, 3, 1]), ([3, 4, 6, 33], [0, 3, 1, 2]), ([2, 16, 16], [0, 2, 1]),
                                       ([37, 18], [1, 0]), ([1, 1, 40], [0, 2, 1])]
        for (shape, order) in cases {
            let x = t(shape)
            XCTAssertNotNil(x.batchedTranspose(order), "\(order) is a batched transpose")
            let outShape = order.map { shape[$0] }
            let inStrides = Tensor.strides(of: shape), outStrides = Tensor.strides(of: outShape)
            // expected[out index] = x[in index] with in[order[i]] = out[i].
            var expected = [Float](repeating: -1, count: x.count)
            for flat in 0..<x.count {
                var rem = flat, outFlat = 0
                var inIndex = [Int](repeating: 0, count: shape.count)
                for ax in 0..<shape.count { inIndex[ax] = rem / inStrides[ax]; rem %= inStrides[ax] }
                for i in 0..<order.count { outFlat += inIndex[order[i]] * outStrides[i] }
                expected[outFlat] = x.scalars[flat]
            }
            onBothKernelPaths { portable in
                let p = x.permuted(order)
                XCTAssertEqual(p.shape, outShape)
                XCTAssertEqual(p.scalars, expected, "\(shape) permuted \(order), portable \(portable)")
            }
        }
        XCTAssertNil(t([2, 3, 4, 5]).batchedTranspose([0, 2, 1, 3]), "the innermost axis stays: not a transpose")
    }
}
