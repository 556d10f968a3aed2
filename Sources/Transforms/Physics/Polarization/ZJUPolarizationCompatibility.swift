import Foundation
import TensorCore

/// SimCMF's ZJU-RGBP input encoding, reproduced exactly (`dataset.py` `ZJU_RGBP.raw2rgbp`, lines 271–286;
/// docs/REFERENCE.md §7), including its quirks, for parity with models trained by the reference:
/// `I = 0.5·(I0+I45+I90+I135) + 1e-4`, `Q = I0 − I90`, `U = I45 − I135`, `Q[Q==0] = 1e-4`, `I[I==0] = 1e-4`,
/// `DoLP = √(Q²+U²)/I` with values > 1 set to 1, `AoLP = 0.5·arctan(U/Q)` — plain arctan, so AoLP lies in
/// (−π/4, π/4) and is not the physical angle (`LinearStokes.angleOfLinearPolarization` is).
public enum ZJUPolarizationCompatibility {
    /// - Parameter angleImages: `[4, C, H, W]` (angles 0°, 45°, 90°, 135°; C colour channels, values 0–255 as the
    ///   reference reads its PNGs) or `[4, H, W]` (treated as C = 1).
    /// - Returns: `[3C, H, W]`: intensity I for each colour, then AoLP (radians) for each, then DoLP for each.
    public static func encode(angleImages: Tensor) throws -> Tensor {
        let s = angleImages.shape
        guard s.first == 4, s.count == 3 || s.count == 4 else {
            throw PhysicsTransformError.shape(field: "ZJU angle images", expected: "[4, C, H, W] or [4, H, W]", got: s)
        }
        let c = s.count == 4 ? s[1] : 1
        let hw = s.count == 4 ? s[2] * s[3] : s[1] * s[2]
        let n = c * hw
        return angleImages.withUnsafeBufferPointer { a in
            Tensor(shape: [3 * c, s[s.count - 2], s[s.count - 1]]) { out in
                for k in 0..<n {
                    let i0 = a[k], i45 = a[n + k], i90 = a[2 * n + k], i135 = a[3 * n + k]
                    var i = 0.5 * (i0 + i45 + i90 + i135) + 1e-4
                    var q = i0 - i90
                    let u = i45 - i135
                    if q == 0 { q = 1e-4 }
                    if i == 0 { i = 1e-4 }
                    var dolp = (q * q + u * u).squareRoot() / i
                    if dolp > 1 { dolp = 1 }
                    out[k] = i
                    out[n + k] = 0.5 * atan(u / q)
                    out[2 * n + k] = dolp
                }
            }
        }
    }
}
