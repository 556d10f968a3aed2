import TensorCore

/// Index-exact operations on the last two axes of `[..., H, W]` tensors (every leading index is
/// one plane): crop, constant pad, flips and quarter turns. Values are moved, never interpolated.
enum SpatialPlanes {
    /// `out[..., y, x] = in[..., top + y, left + x]` for a window inside the plane.
    static func crop(_ t: Tensor, top: Int, left: Int, height: Int, width: Int) -> Tensor {
        let (H, W) = (t.shape[t.rank - 2], t.shape[t.rank - 1])
        precondition(top >= 0 && left >= 0 && top + height <= H && left + width <= W, "crop window checked by the caller")
        var shape = t.shape; shape[t.rank - 2] = height; shape[t.rank - 1] = width
        let planes = t.count / max(H * W, 1)
        return t.withUnsafeBufferPointer { sb in
            Tensor(shape: shape) { ob in
                let src = sb.baseAddress!, dst = ob.baseAddress!
                Parallel.forEachRow(planes * height, cost: width) { r in
                    let p = r / height, y = r % height
                    let from = src + p * H * W + (top + y) * W + left, to = dst + r * width
                    to.update(from: from, count: width)
                }
            }
        }
    }

    /// Pads each plane with `value`: `top`/`bottom` rows and `left`/`right` columns.
    static func pad(_ t: Tensor, top: Int, bottom: Int, left: Int, right: Int, value: Float) -> Tensor {
        let (H, W) = (t.shape[t.rank - 2], t.shape[t.rank - 1])
        let (outH, outW) = (H + top + bottom, W + left + right)
        var shape = t.shape; shape[t.rank - 2] = outH; shape[t.rank - 1] = outW
        let planes = t.count / max(H * W, 1)
        return t.withUnsafeBufferPointer { sb in
            Tensor(shape: shape) { ob in
                let src = sb.baseAddress!, dst = ob.baseAddress!
                Parallel.forEachRow(planes * outH, cost: outW) { r in
                    let p = r / outH, y = r % outH, to = dst + r * outW
                    let sy = y - top
                    if sy < 0 || sy >= H {
                        to.update(repeating: value, count: outW)
                        return
                    }
                    to.update(repeating: value, count: left)
                    (to + left).update(from: src + p * H * W + sy * W, count: W)
                    (to + left + W).update(repeating: value, count: right)
                }
            }
        }
    }

    /// Mirrors each plane left-right (`horizontal`, `torch.flip(dims=[-1])`) or top-bottom (`torch.flip(dims=[-2])`).
    static func flip(_ t: Tensor, horizontal: Bool) -> Tensor {
        let (H, W) = (t.shape[t.rank - 2], t.shape[t.rank - 1])
        let planes = t.count / max(H * W, 1)
        return t.withUnsafeBufferPointer { sb in
            Tensor(shape: t.shape) { ob in
                let src = sb.baseAddress!, dst = ob.baseAddress!
                Parallel.forEachRow(planes * H, cost: W) { r in
                    let p = r / H, y = r % H, to = dst + r * W
                    if horizontal {
                        let from = src + r * W
                        for x in 0..<W { to[x] = from[W - 1 - x] }
                    } else {
                        to.update(from: src + p * H * W + (H - 1 - y) * W, count: W)
                    }
                }
            }
        }
    }

    /// Rotates each plane by `quarterTurns` × 90° counter-clockwise on screen, as
    /// `torch.rot90(t, k, dims=[-2, -1])`: k = 1 gives `out[i, j] = in[j, W−1−i]` with shape `[W, H]`.
    static func rotate90(_ t: Tensor, quarterTurns: Int) -> Tensor {
        let k = ((quarterTurns % 4) + 4) % 4
        if k == 0 { return t }
        let (H, W) = (t.shape[t.rank - 2], t.shape[t.rank - 1])
        let (outH, outW) = k == 2 ? (H, W) : (W, H)
        var shape = t.shape; shape[t.rank - 2] = outH; shape[t.rank - 1] = outW
        let planes = t.count / max(H * W, 1)
        return t.withUnsafeBufferPointer { sb in
            Tensor(shape: shape) { ob in
                let src = sb.baseAddress!, dst = ob.baseAddress!
                Parallel.forEachRow(planes * outH, cost: outW) { r in
                    let p = r / outH, i = r % outH, to = dst + r * outW, from = src + p * H * W
                    switch k {
                    case 1: for j in 0..<outW { to[j] = from[j * W + (W - 1 - i)] }
                    case 2: for j in 0..<outW { to[j] = from[(H - 1 - i) * W + (W - 1 - j)] }
                    default: for j in 0..<outW { to[j] = from[(H - 1 - j) * W + i] }
                    }
                }
            }
        }
    }

    /// Applies `rule` to every value of the planes of the angle channels of `[C, H, W]` values.
    static func mapAngles(_ values: Tensor, channels: [ChannelDescriptor], _ rule: (Double, Double) -> Double) -> Tensor {
        var out = values
        let plane = values.shape[1] * values.shape[2]
        for (c, d) in channels.enumerated() {
            guard case let .angle(period) = d.kind else { continue }
            out.withUnsafeMutableBufferPointer { b in
                let top = Float(period)
                for i in (c * plane)..<((c + 1) * plane) {
                    let f = Float(rule(Double(b[i]), period))
                    b[i] = f < top ? f : 0   // a value just below P may round up to Float(P)
                }
            }
        }
        return out
    }
}
