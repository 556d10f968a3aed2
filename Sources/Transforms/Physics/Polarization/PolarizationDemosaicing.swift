import TensorCore

/// Demosaicing of division-of-focal-plane polarization sensors (Sony IMX250MZR mono, IMX250MYR colour).
public enum PolarizationDemosaicing {
    /// Interpolates the four polarizer-angle images of a mono DoFP mosaic.
    /// - Parameters:
    ///   - mosaic: raw sensor values, `[H, W]` or `[1, H, W]`; H and W even and ≥ 4 (any unit, e.g. counts).
    ///   - layout: polarizer angles of the 2×2 superpixel.
    ///   - method: interpolation method.
    /// - Returns: `[4, H, W]` intensities behind polarizers at 0°, 45°, 90°, 135°, in the mosaic's unit.
    /// - Throws: `PhysicsTransformError` for a wrong rank or an odd or too small mosaic.
    public static func demosaicMono(_ mosaic: Tensor, layout: PolarizerMosaicLayout = .sonyIMX250,
                                    method: PolarizationDemosaicMethod = .bilinear) throws -> Tensor {
        let (h, w) = try mosaicSize(mosaic, field: "mono polarization mosaic", multiple: 2, minimum: 4)
        return mosaic.withUnsafeBufferPointer { src in
            Tensor(shape: [4, h, w], unsafeUninitialized: { out in
                demosaicMono(src: src.baseAddress!, out: out.baseAddress!, height: h, width: w,
                             layout: layout, method: method)
            })
        }
    }

    /// Interpolates the four polarizer-angle colour images of an IMX250MYR-style colour DoFP mosaic:
    /// 2×2 polarizer superpixels under a Bayer RGGB pattern of 2×2 blocks (a 4×4 period: rows 0–1,
    /// columns 0–1 red; rows 0–1, columns 2–3 and rows 2–3, columns 0–1 green; rows 2–3, columns 2–3
    /// blue). As polanalyser 3.0.0 (`COLOR_PolarRGB`): first each of the four polarizer sub-images
    /// (`mosaic[j::2, i::2]`, a Bayer RGGB image) is colour-demosaiced bilinearly, then each colour plane
    /// is polarization-demosaiced with `method`.
    /// - Parameters:
    ///   - mosaic: `[H, W]` or `[1, H, W]`, H and W multiples of 4 and ≥ 8.
    ///   - method: used for both steps when `.bilinear` or `.bilinearOpenCV`; `.edgeDirected` applies to
    ///     the polarization step only (the colour step is then bilinear).
    /// - Returns: `[4, 3, H, W]`: angles 0°, 45°, 90°, 135° × colours R, G, B.
    public static func demosaicColor(_ mosaic: Tensor, layout: PolarizerMosaicLayout = .sonyIMX250,
                                     method: PolarizationDemosaicMethod = .bilinear) throws -> Tensor {
        let (h, w) = try mosaicSize(mosaic, field: "colour polarization mosaic", multiple: 4, minimum: 8)
        let hs = h / 2, ws = w / 2, plane = h * w
        let roundColour = method == .bilinearOpenCV
        // Colour planes at full resolution, each still a polarization mosaic: [3, H, W].
        var mpfa = [Float](repeating: 0, count: 3 * plane)
        var sub = [Float](repeating: 0, count: hs * ws)
        var subRGB = [Float](repeating: 0, count: 3 * hs * ws)
        let lattices: [SubLattice] = [.rectangular(row: 0, col: 0), .quincunx(parity: 1), .rectangular(row: 1, col: 1)]
        mosaic.withUnsafeBufferPointer { m in
            for j in 0..<2 {
                for i in 0..<2 {
                    for y in 0..<hs { for x in 0..<ws { sub[y * ws + x] = m[(2 * y + j) * w + 2 * x + i] } }
                    sub.withUnsafeBufferPointer { s in
                        subRGB.withUnsafeMutableBufferPointer { d in
                            for c in 0..<3 {
                                interpolateSubLattice(src: s.baseAddress!, dst: d.baseAddress! + c * hs * ws,
                                                      height: hs, width: ws, lattice: lattices[c],
                                                      roundHalfUp: roundColour)
                            }
                        }
                    }
                    for c in 0..<3 {
                        for y in 0..<hs {
                            for x in 0..<ws { mpfa[c * plane + (2 * y + j) * w + 2 * x + i] = subRGB[c * hs * ws + y * ws + x] }
                        }
                    }
                }
            }
        }
        var angles = [Float](repeating: 0, count: 4 * plane)
        return Tensor(shape: [4, 3, h, w]) { out in
            mpfa.withUnsafeBufferPointer { src in
                angles.withUnsafeMutableBufferPointer { a in
                    for c in 0..<3 {
                        demosaicMono(src: src.baseAddress! + c * plane, out: a.baseAddress!, height: h, width: w,
                                     layout: layout, method: method)
                        for k in 0..<4 {
                            (out.baseAddress! + (k * 3 + c) * plane).update(from: a.baseAddress! + k * plane, count: plane)
                        }
                    }
                }
            }
        }
    }

    /// Splits a mosaic into its four angle images without interpolation: `[4, H/2, W/2]`, one
    /// sample per superpixel (angles 0°, 45°, 90°, 135°). Useful as an alias-free half-resolution input.
    public static func splitSuperpixels(_ mosaic: Tensor, layout: PolarizerMosaicLayout = .sonyIMX250) throws -> Tensor {
        let (h, w) = try mosaicSize(mosaic, field: "mono polarization mosaic", multiple: 2, minimum: 2)
        let hs = h / 2, ws = w / 2
        return mosaic.withUnsafeBufferPointer { m in
            Tensor(shape: [4, hs, ws]) { out in
                for c in 0..<4 {
                    let (py, px) = layout.phase(ofChannel: c)
                    for y in 0..<hs { for x in 0..<ws { out[(c * hs + y) * ws + x] = m[(2 * y + py) * w + 2 * x + px] } }
                }
            }
        }
    }

    /// Builds the mono mosaic a DoFP sensor with `layout` would record from four full-resolution
    /// angle images `[4, H, W]` (0°, 45°, 90°, 135°): the inverse of interpolation, used to simulate captures.
    public static func mosaic(angleImages: Tensor, layout: PolarizerMosaicLayout = .sonyIMX250) throws -> Tensor {
        guard angleImages.rank == 3, angleImages.shape[0] == 4 else {
            throw PhysicsTransformError.shape(field: "angle images", expected: "[4, H, W]", got: angleImages.shape)
        }
        let h = angleImages.shape[1], w = angleImages.shape[2]
        return angleImages.withUnsafeBufferPointer { a in
            Tensor(shape: [h, w]) { out in
                for y in 0..<h { for x in 0..<w { out[y * w + x] = a[(layout.channel(row: y, col: x) * h + y) * w + x] } }
            }
        }
    }

    // MARK: - Kernels

    static func demosaicMono(src: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, height h: Int, width w: Int,
                             layout: PolarizerMosaicLayout, method: PolarizationDemosaicMethod) {
        switch method {
        case .bilinear, .bilinearOpenCV:
            // All four angles per row in one pass: the three source rows stay in L1.
            PolarizationKernels.bilinear(src: src, dst: out, planeStride: h * w, height: h, width: w,
                                         phases: (0..<4).map { layout.phase(ofChannel: $0) },
                                         roundHalfUp: method == .bilinearOpenCV)
        case .edgeDirected:
            EdgeDirectedPolarizationDemosaic.run(src: src, out: out, height: h, width: w, layout: layout)
        }
    }

    static func mosaicSize(_ t: Tensor, field: String, multiple: Int, minimum: Int) throws -> (Int, Int) {
        let s = t.shape
        guard s.count == 2 || (s.count == 3 && s[0] == 1) else {
            throw PhysicsTransformError.shape(field: field, expected: "[H, W] or [1, H, W]", got: s)
        }
        let h = s[s.count - 2], w = s[s.count - 1]
        guard h % multiple == 0, w % multiple == 0, h >= minimum, w >= minimum else {
            throw PhysicsTransformError.mosaicSize(field: field, multiple: multiple, minimum: minimum, got: s)
        }
        return (h, w)
    }
}
