import TensorCore

/// SAM's window partition of token grids `[B, H, W, C]` into `[B·nH·nW, ws, ws, C]` windows
/// (window-row major; zero padding at the bottom/right up to multiples of `ws`), and its inverse
/// (which crops the padding). Each is the other's adjoint. One copy of `ws·C` contiguous floats per
/// window row, parallel over windows.
public enum Windows {
    public static func partition(_ x: Tensor, window ws: Int) -> Tensor { partition(x, window: ws, fill: nil) }

    /// `partition` with every padding token set to `fill` (`[C]`) instead of zeros: the windows of a
    /// per-token map `f` of the zero-padded grid are `partition(f(x), fill: f(0))`, so `f` (SAM's
    /// qkv projection) need not run on the padding.
    public static func partition(_ x: Tensor, window ws: Int, fill: Tensor?) -> Tensor {
        let (B, H, W, C) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(fill == nil || fill!.count == C, "partition: fill of \(fill!.count) values for \(C) channels")
        let nH = (H + ws - 1) / ws, nW = (W + ws - 1) / ws
        let fillValues = fill ?? Tensor(shape: [C], repeating: 0)
        return x.withUnsafeBufferPointer { xb in fillValues.withUnsafeBufferPointer { fb in
            Tensor(shape: [B * nH * nW, ws, ws, C]) { ob in
                let X = xb.baseAddress!, O = ob.baseAddress!, F = fb.baseAddress!
                Parallel.forEach(B * nH * nW, grain: 1) { r in
                    for win in r {
                        let b = win / (nH * nW), wh = (win / nW) % nH, ww = win % nW
                        let w0 = ww * ws, cols = Swift.max(0, Swift.min(ws, W - w0))
                        for i in 0..<ws {
                            let dst = O + (win * ws + i) * ws * C
                            let h = wh * ws + i
                            if h < H && cols > 0 { dst.update(from: X + ((b * H + h) * W + w0) * C, count: cols * C) }
                            var done = h < H ? cols * C : 0
                            while done < ws * C { (dst + done).update(from: F, count: C); done += C }
                        }
                    }
                }
            }
        } }
    }

    /// The gradient of `partition(_:window:fill:)` with respect to `fill`: the windows' gradient
    /// `[B·nH·nW, ws, ws, C]` summed over the padding tokens of an `H × W` grid → `[C]`.
    public static func paddingGradient(_ windows: Tensor, window ws: Int, h H: Int, w W: Int) -> Tensor {
        let C = windows.shape[3]
        let nH = (H + ws - 1) / ws, nW = (W + ws - 1) / ws
        let B = windows.shape[0] / (nH * nW)
        precondition(windows.shape == [B * nH * nW, ws, ws, C], "paddingGradient: windows \(windows.shape) for \(H)x\(W), window \(ws)")
        var sum = Tensor(shape: [C], repeating: 0)
        windows.withUnsafeBufferPointer { wb in
            sum.withUnsafeMutableBufferPointer { o in
                let G = wb.baseAddress!
                for win in 0..<(B * nH * nW) {
                    let wh = (win / nW) % nH, ww = win % nW
                    for i in 0..<ws {
                        let h = wh * ws + i, real = h < H ? Swift.max(0, Swift.min(ws, W - ww * ws)) : 0
                        for j in real..<ws {
                            let src = G + ((win * ws + i) * ws + j) * C
                            for c in 0..<C { o[c] += src[c] }
                        }
                    }
                }
            }
        }
        return sum
    }

    /// `[B·nH·nW, ws, ws, C]` windows back to `[B, H, W, C]`.
    public static func unpartition(_ windows: Tensor, window ws: Int, h H: Int, w W: Int) -> Tensor {
        let C = windows.shape[3]
        let nH = (H + ws - 1) / ws, nW = (W + ws - 1) / ws
        let B = windows.shape[0] / (nH * nW)
        precondition(windows.shape == [B * nH * nW, ws, ws, C], "unpartition: windows \(windows.shape) for \(H)x\(W), window \(ws)")
        return windows.withUnsafeBufferPointer { wb in
            Tensor(shape: [B, H, W, C]) { ob in
                let Wn = wb.baseAddress!, O = ob.baseAddress!
                Parallel.forEach(B * nH * nW, grain: 1) { r in
                    for win in r {
                        let b = win / (nH * nW), wh = (win / nW) % nH, ww = win % nW
                        let w0 = ww * ws, cols = Swift.max(0, Swift.min(ws, W - w0))
                        for i in 0..<ws {
                            let h = wh * ws + i
                            if h < H && cols > 0 { (O + ((b * H + h) * W + w0) * C).update(from: Wn + (win * ws + i) * ws * C, count: cols * C) }
                        }
                    }
                }
            }
        }
    }
}
