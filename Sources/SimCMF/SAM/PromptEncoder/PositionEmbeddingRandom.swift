import Autodiff
import Foundation
import TensorCore

/// SAM's `PositionEmbeddingRandom(D/2)`: random Fourier features of normalised coordinates.
/// `positional_encoding_gaussian_matrix [2, D/2]` is a buffer (saved, never trained).
/// `pe(c) = [sin(2π·((2c − 1)·G)), cos(2π·((2c − 1)·G))]` for `c = (x, y)` in `[0, 1]²`.
public final class PositionEmbeddingRandom {
    public let gaussianMatrix: Parameter

    public init(_ prefix: String, featureCount: Int, generator: inout SeededGenerator) {
        gaussianMatrix = Parameter(dotted(prefix, "positional_encoding_gaussian_matrix"),
                                   Tensor.normal([2, featureCount], using: &generator), trainable: false)
    }

    /// `coords [..., 2]` in `[0, 1]` (x, y) → `[..., 2·featureCount]` (sin features first).
    public func encode(_ coords: Tensor) -> Tensor {
        let g = gaussianMatrix.value
        let f = g.shape[1]
        let n = coords.count / 2
        let twoPi = Float(2 * Double.pi)
        return coords.withUnsafeBufferPointer { c in g.withUnsafeBufferPointer { gb in
            Tensor(shape: Array(coords.shape.dropLast()) + [2 * f]) { o in
                let out = o.baseAddress!
                // Each point writes its own 2f values: parallel over points (the dense grid is 4096 of them).
                Parallel.forEach(n, grain: Swift.max(1, 4096 / Swift.max(f, 1))) { r in
                    for i in r {
                        let x = 2 * c[2 * i] - 1, y = 2 * c[2 * i + 1] - 1
                        for j in 0..<f {
                            // (2c − 1) @ G, then 2π ·, as float32 like PyTorch.
                            let v = twoPi * (x * gb[j] + y * gb[f + j])
                            out[i * 2 * f + j] = Foundation.sin(v)
                            out[i * 2 * f + f + j] = Foundation.cos(v)
                        }
                    }
                }
            }
        } }
    }

    /// Encodes pixel coordinates `[..., 2]` (x, y) of an image of size `(h, w)`: `x / w`, `y / h`.
    public func encode(pixelCoordinates coords: Tensor, imageSize: (h: Int, w: Int)) -> Tensor {
        let normalised = coords.withUnsafeBufferPointer { c in
            Tensor(shape: coords.shape) { o in
                for i in 0..<(c.count / 2) {
                    o[2 * i] = c[2 * i] / Float(imageSize.w)
                    o[2 * i + 1] = c[2 * i + 1] / Float(imageSize.h)
                }
            }
        }
        return encode(normalised)
    }

    /// The dense positional encoding of an `h × w` grid of cell centres, `[1, D, h, w]`
    /// (`x = (j + 0.5)/w`, `y = (i + 0.5)/h`).
    public func grid(h: Int, w: Int) -> Tensor {
        let centres = Tensor(shape: [h, w, 2]) { o in
            for i in 0..<h { for j in 0..<w {
                o[(i * w + j) * 2] = (Float(j) + 0.5) / Float(w)
                o[(i * w + j) * 2 + 1] = (Float(i) + 0.5) / Float(h)
            } }
        }
        return encode(centres).permuted([2, 0, 1]).unsqueezed(0)
    }
}
