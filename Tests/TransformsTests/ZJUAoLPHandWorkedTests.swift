import Foundation
import TensorCore
import XCTest
@testable import Transforms

/// The ZJU-RGBP encoding's plain `arctan` AoLP, worked by hand in every sign quadrant of (Q, U), against the
/// physical `½·atan2(U, Q)`. One row of five pixels, C = 1; angle images I0, I45, I90, I135 per pixel:
///
/// | pixel | I0, I45, I90, I135 | Q = I0−I90 | U = I45−I135 | ½·arctan(U/Q) | ½·atan2(U, Q) |
/// |---|---|---|---|---|---|
/// | a | 30, 30, 10, 10 | 20 | 20 | ½·arctan(1) = π/8 | π/8 |
/// | b | 10, 30, 30, 10 | −20 | 20 | ½·arctan(−1) = −π/8 | 3π/8 |
/// | c | 10, 10, 30, 30 | −20 | −20 | ½·arctan(1) = π/8 | −3π/8 |
/// | d | 10, 20, 30, 20 | −20 | 0 | ½·arctan(−0) = 0 | π/2 |
/// | e | 0, 0, 0, 0 | 0 → 1e-4 | 0 | 0 | 0 |
///
/// I = ½·(I0 + I45 + I90 + I135) + 1e-4 = 40.0001 for a–d and 1e-4 for e; DoLP = √(Q² + U²)/I:
/// a–c √800/40.0001 = 0.7071050, d 20/40.0001 = 0.4999988, e 1e-4/1e-4 = 1 (not above 1, so not clipped).
final class ZJUAoLPHandWorkedTests: XCTestCase {
    func testPlainArctanInEveryQuadrant() throws {
        let i0: [Float] = [30, 10, 10, 10, 0], i45: [Float] = [30, 30, 10, 20, 0]
        let i90: [Float] = [10, 30, 30, 30, 0], i135: [Float] = [10, 10, 30, 20, 0]
        let angles = Tensor(shape: [4, 1, 5], values: i0 + i45 + i90 + i135)
        let z = try ZJUPolarizationCompatibility.encode(angleImages: angles).scalars
        XCTAssertEqual(z.count, 15)
        let intensity: [Float] = [40.0001, 40.0001, 40.0001, 40.0001, 1e-4]
        let aolp: [Float] = [.pi / 8, -.pi / 8, .pi / 8, 0, 0]
        let dolp: [Float] = [0.7071050, 0.7071050, 0.7071050, 0.4999988, 1]
        let physical: [Float] = [.pi / 8, 3 * .pi / 8, -3 * .pi / 8, .pi / 2, 0]
        for p in 0..<5 {
            XCTAssertEqual(z[p], intensity[p], accuracy: 1e-5 * max(1, intensity[p]), "I of pixel \(p)")
            XCTAssertEqual(z[5 + p], aolp[p], accuracy: 1e-6, "ZJU AoLP of pixel \(p)")
            XCTAssertEqual(z[10 + p], dolp[p], accuracy: 1e-6, "DoLP of pixel \(p)")
            // Plain arctan agrees with the physical angle only for Q > 0 (pixel a, and trivially e).
            if p == 0 || p == 4 { XCTAssertEqual(z[5 + p], physical[p], accuracy: 1e-6) }
            else { XCTAssertGreaterThan(abs(z[5 + p] - physical[p]), 0.7, "pixel \(p): arctan is not atan2") }
        }
    }
}
