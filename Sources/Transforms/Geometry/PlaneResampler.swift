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
        let src = SharedReadPointer(input), tmp = SharedPointer(scratch), dst = SharedPointer(output)
        wx.offsets.withUnsafeBufferPointer { xo in wx.indices.withUnsafeBufferPointer { xi in wx.weights.withUnsafeBufferPointer { xw in
            let xo = SharedReadPointer(xo.baseAddress!), xi = SharedReadPointer(xi.baseAddress!), xw = SharedReadPointer(xw.baseAddress!)
            forEachRow(height, cost: outW * 2) { r in
                let row = src.base + r * width, out = tmp.base + r * outW
                for x in 0..<outW {
                    var s: Float = 0
                    for k in xo.base[x]..<xo.base[x + 1] { s += xw.base[k] * row[xi.base[k]] }
                    out[x] = s
                }
            }
        } } }
        wy.offsets.withUnsafeBufferPointer { yo in wy.indices.withUnsafeBufferPointer { yi in wy.weights.withUnsafeBufferPointer { yw in
            let yo = SharedReadPointer(yo.baseAddress!), yi = SharedReadPointer(yi.baseAddress!), yw = SharedReadPointer(yw.baseAddress!)
            forEachRow(outH, cost: outW * 2) { y in
                let out = dst.base + y * outW
                for x in 0..<outW { out[x] = 0 }
                for k in yo.base[y]..<yo.base[y + 1] {
                    let w = yw.base[k], row = tmp.base + yi.base[k] * outW
                    for x in 0..<outW { out[x] += w * row[x] }
                }
            }
        } } }
    }

    /// Gathers `out[y, x] = in[iy[y], ix[x]]`.
    static func gather(_ input: UnsafePointer<Float>, width: Int, rowIndices iy: [Int], columnIndices ix: [Int],
                       output: UnsafeMutablePointer<Float>) {
        let outW = ix.count
        let src = SharedReadPointer(input), dst = SharedPointer(output)
        iy.withUnsafeBufferPointer { iyb in ix.withUnsafeBufferPointer { ixb in
            let iyp = SharedReadPointer(iyb.baseAddress!), ixp = SharedReadPointer(ixb.baseAddress!)
            forEachRow(iy.count, cost: outW) { y in
                let row = src.base + iyp.base[y] * width, out = dst.base + y * outW
                for x in 0..<outW { out[x] = row[ixp.base[x]] }
            }
        } }
    }
}
