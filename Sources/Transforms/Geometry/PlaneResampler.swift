import TensorCore

/// Low-level resampling of `[H, W]` float planes stored contiguously (row-major), shared by the
/// kind-aware resize. All functions write a fresh `[Ho, Wo]` plane into `output`.
enum PlaneResampler {
    /// Separable weighted sum `out[y, x] = Σᵢ Σⱼ wy[y,i] · wx[x,j] · in[i, j]` in two passes
    /// (along W into a `[H, Wo]` scratch plane, then along H). Rows run in parallel when large.
    static func linear(_ input: UnsafePointer<Float>, height: Int, width: Int,
                       rows wy: AxisWeights, columns wx: AxisWeights, output: UnsafeMutablePointer<Float>) {
        let outH = wy.outputCount, outW = wx.outputCount
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: height * outW)
        defer { scratch.deallocate() }
        wx.offsets.withUnsafeBufferPointer { xo in wx.indices.withUnsafeBufferPointer { xi in wx.weights.withUnsafeBufferPointer { xw in
            let xo = xo.baseAddress!, xi = xi.baseAddress!, xw = xw.baseAddress!
            Parallel.forEachRow(height, cost: outW * 2) { r in
                let row = input + r * width, out = scratch + r * outW
                for x in 0..<outW {
                    var s: Float = 0
                    for k in xo[x]..<xo[x + 1] { s += xw[k] * row[xi[k]] }
                    out[x] = s
                }
            }
        } } }
        wy.offsets.withUnsafeBufferPointer { yo in wy.indices.withUnsafeBufferPointer { yi in wy.weights.withUnsafeBufferPointer { yw in
            let yo = yo.baseAddress!, yi = yi.baseAddress!, yw = yw.baseAddress!
            Parallel.forEachRow(outH, cost: outW * 2) { y in
                let out = output + y * outW
                for x in 0..<outW { out[x] = 0 }
                for k in yo[y]..<yo[y + 1] {
                    let w = yw[k], row = scratch + yi[k] * outW
                    for x in 0..<outW { out[x] += w * row[x] }
                }
            }
        } } }
    }

    /// Gathers `out[y, x] = in[iy[y], ix[x]]`.
    static func gather(_ input: UnsafePointer<Float>, width: Int, rowIndices iy: [Int], columnIndices ix: [Int],
                       output: UnsafeMutablePointer<Float>) {
        let outW = ix.count
        iy.withUnsafeBufferPointer { iyb in ix.withUnsafeBufferPointer { ixb in
            let iyp = iyb.baseAddress!, ixp = ixb.baseAddress!
            Parallel.forEachRow(iy.count, cost: outW) { y in
                let row = input + iyp[y] * width, out = output + y * outW
                for x in 0..<outW { out[x] = row[ixp[x]] }
            }
        } }
    }
}
