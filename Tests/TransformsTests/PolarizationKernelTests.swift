import Foundation
import XCTest
@testable import Transforms
import TensorCore
import TestComparisons

/// The vectorised polarization kernels: independent of the thread count and of the vector ISA,
/// fused equal to unfused, and atan2 accurate.
final class PolarizationKernelTests: XCTestCase {
    /// A 256 × 320 mosaic of 8-bit-like and fractional values (large enough to run in parallel chunks).
    static func mosaic(fractional: Bool) -> Tensor {
        var g = SeededGenerator(seed: 11)
        return Tensor(shape: [256, 320]) { o in
            for i in 0..<o.count { o[i] = Float(g.next() % 256) + (fractional ? Float(g.next() % 1000) / 997 : 0) }
        }
    }

    func testResultsDoNotDependOnThreadCount() throws {
        for (fractional, method) in [(false, PolarizationDemosaicMethod.bilinearOpenCV), (true, .bilinear)] {
            let m = Self.mosaic(fractional: fractional)
            let h = m.shape[0], w = m.shape[1], n = h * w
            let angles = try PolarizationDemosaicing.demosaicMono(m, method: method)
            let serialAngles = m.withUnsafeBufferPointer { src in
                Tensor(shape: [4, h, w]) { out in
                    PolarizationKernels.bilinear(src: src.baseAddress!, dst: out.baseAddress!, planeStride: n, height: h, width: w,
                                                 phases: (0..<4).map { PolarizerMosaicLayout.sonyIMX250.phase(ofChannel: $0) },
                                                 roundHalfUp: method == .bilinearOpenCV, parallel: false)
                }
            }
            XCTAssertEqual(angles.scalars, serialAngles.scalars, "demosaic, 1 thread vs all")

            let (stokes, dolp, aolp) = try LinearStokes.polarimetry(angleImages: angles)
            var s1 = Tensor(shape: [3, n]), d1 = Tensor(shape: [n]), a1 = Tensor(shape: [n])
            angles.withUnsafeBufferPointer { a in
                s1.withUnsafeMutableBufferPointer { s in
                    d1.withUnsafeMutableBufferPointer { d in
                        a1.withUnsafeMutableBufferPointer { o in
                            PolarizationKernels.polarimetry(angles: a.baseAddress!, s0: s.baseAddress!,
                                                            s1s2: (s.baseAddress! + n, s.baseAddress! + 2 * n), dolp: d.baseAddress!,
                                                            aolp: o.baseAddress!, count: n, parallel: false)
                        }
                    }
                }
            }
            XCTAssertEqual(stokes.scalars, s1.scalars, "Stokes, 1 thread vs all")
            XCTAssertEqual(dolp.scalars, d1.scalars, "DoLP, 1 thread vs all")
            XCTAssertEqual(aolp.scalars, a1.scalars, "AoLP, 1 thread vs all")
        }
    }

    func testFusedEqualsSeparateFunctions() throws {
        let angles = try PolarizationDemosaicing.demosaicMono(Self.mosaic(fractional: true), method: .bilinear)
        let (stokes, dolp, aolp) = try LinearStokes.polarimetry(angleImages: angles)
        let separate = try LinearStokes.stokes(angleImages: angles)
        XCTAssertEqual(stokes.shape, separate.shape)
        XCTAssertEqual(stokes.scalars, separate.scalars)
        XCTAssertEqual(dolp.scalars, try LinearStokes.degreeOfLinearPolarization(stokes: separate).scalars)
        XCTAssertEqual(aolp.scalars, try LinearStokes.angleOfLinearPolarization(stokes: separate).scalars)
        XCTAssertEqual(dolp.shape, [256, 320])
        // The channel image (aims convert's S0 / DoLP / AoLP planes) is written by the same fused pass.
        let image = try PolarizationChannels.image(angleImages: angles)
        XCTAssertEqual(image.values.scalars, separate.scalars.prefix(256 * 320) + dolp.scalars + aolp.scalars)
    }

    func testColourChannelImageEqualsSeparateFunctions() throws {
        var g = SeededGenerator(seed: 3)
        let mosaic = Tensor(shape: [64, 96]) { o in for i in 0..<o.count { o[i] = Float(g.next() % 4096) } }
        let angles = try PolarizationDemosaicing.demosaicColor(mosaic, method: .bilinear)  // [4, 3, H, W]
        let stokes = try LinearStokes.stokes(angleImages: angles)
        let n = 3 * 64 * 96
        let expected = Array(stokes.scalars.prefix(n)) + (try LinearStokes.degreeOfLinearPolarization(stokes: stokes).scalars)
            + (try LinearStokes.angleOfLinearPolarization(stokes: stokes).scalars)
        XCTAssertEqual(try PolarizationChannels.image(angleImages: angles).values.scalars, expected)
    }

    /// Portable, AVX2 and AVX-512 compilations round identically (no FP contraction).
    func testVectorISAsAgree() throws {
        let m = Self.mosaic(fractional: true)
        func run() throws -> [[Float]] {
            let angles = try PolarizationDemosaicing.demosaicMono(m, method: .bilinearOpenCV)
            let p = try LinearStokes.polarimetry(angleImages: try PolarizationDemosaicing.demosaicMono(m, method: .bilinear))
            return [angles.scalars, p.stokes.scalars, p.dolp.scalars, p.aolp.scalars]
        }
        let widest = try PolarizationKernels.withISA(nil, run)
        XCTAssertEqual(try PolarizationKernels.withISA(0, run), widest, "portable")
        XCTAssertEqual(try PolarizationKernels.withISA(1, run), widest, "AVX2")
    }

    /// The polynomial atan2 against float64 atan2 over all quadrants, axes, signed zeros and wide ranges.
    func testAoLPMatchesDoubleAtan2() throws {
        var g = SeededGenerator(seed: 5)
        var s1: [Float] = [1, -1, 0, 0, 1, -1, 1, -1, 3, -0.0, 1e-30, 1e30, 2.414213, 0.414213, 1e-3]
        var s2: [Float] = [0, 0, 1, -1, 1, 1, -1, -1, 3, -1, 1e30, -1e-30, 1, 1, -1e-3]
        for _ in 0..<20_000 {
            let scale = Float(pow(10.0, Double(Int(g.next() % 13)) - 6))
            s1.append((Float(g.next() % 20_001) - 10_000) / 10_000 * scale)
            s2.append((Float(g.next() % 20_001) - 10_000) / 10_000 * scale)
        }
        let n = s1.count
        let aolp = try LinearStokes.angleOfLinearPolarization(stokes: Tensor(shape: [3, n], values: [Float](repeating: 1, count: n) + s1 + s2))
        var errors: [Double] = []
        for k in 0..<n {
            let a = Double(aolp.scalars[k])
            XCTAssert(a >= 0 && a < .pi, "AoLP \(a) outside [0, π)")
            if s1[k] == 0 && s2[k] == 0 { XCTAssertEqual(a, 0); continue }
            var t = 0.5 * atan2(Double(s2[k]), Double(s1[k]))
            if t < 0 { t += .pi }
            var d = abs(a - t)
            d = min(d, .pi - d)
            errors.append(d)
        }
        XCTAssertLessThan(largestError(errors), 3e-7, "max |AoLP − ½ atan2| in radians")
        let nan = try LinearStokes.angleOfLinearPolarization(stokes: Tensor(shape: [3, 2], values: [1, 1, .nan, 1, 1, .nan]))
        XCTAssert(nan.scalars.allSatisfy(\.isNaN), "NaN Stokes give NaN AoLP, as atan2")
    }
}
