import Foundation
import ImageIO
import Transforms

/// Quantises a `SynthFrame` into stored images: value·scale + noise·full scale, rounded half to even, clamped.
/// Each image draws its noise from its own stream of the scene's generator, so images do not depend on write order.
public struct SynthImages: Sendable {
    public let frame: SynthFrame
    /// Noise standard deviation, fraction of full scale.
    public let noise: Double
    let seed: UInt64

    public init(frame: SynthFrame, noise: Double, seed: UInt64) {
        self.frame = frame
        self.noise = noise
        self.seed = seed
    }

    /// Noise streams, one per stored image.
    enum Stream: UInt64 { case rgb = 1, angle0, angle45, angle90, angle135, mosaic, nir, thermal, colourMosaic, aolp = 20, dolp = 21 }

    private func quantise(_ values: [Float], scale: Double, maxValue: Double, stream: Stream, sigma: Double? = nil) -> [Double] {
        var g = SynthRandom(seed: seed, stream: stream.rawValue)
        let sigma = sigma ?? noise * maxValue
        return values.map { v in
            let x = Double(v) * scale + (sigma > 0 ? sigma * g.gaussian() : 0)
            return min(maxValue, max(0, x.rounded(.toNearestOrEven)))
        }
    }

    private func interleave8(_ planes: [[Double]]) -> RawImage {
        let n = frame.width * frame.height, c = planes.count
        var bytes = [UInt8](repeating: 0, count: n * c)
        for p in 0..<n { for k in 0..<c { bytes[p * c + k] = UInt8(planes[k][p]) } }
        return RawImage(width: frame.width, height: frame.height, channels: c, dtype: .uint8, bytes: bytes)
    }

    private func gray16(_ plane: [Double]) -> RawImage {
        var bytes = [UInt8](repeating: 0, count: plane.count * 2)
        for (i, v) in plane.enumerated() {
            let x = UInt16(v).littleEndian
            bytes[2 * i] = UInt8(x & 0xFF)
            bytes[2 * i + 1] = UInt8(x >> 8)
        }
        let host = 1.littleEndian == 1
        if !host { for i in stride(from: 0, to: bytes.count, by: 2) { bytes.swapAt(i, i + 1) } }
        return RawImage(width: frame.width, height: frame.height, channels: 1, dtype: .uint16, bytes: bytes)
    }

    /// 8-bit RGB as an unpolarized camera sees it: 255·S0.
    public func rgb() -> RawImage {
        interleave8((0..<3).map { quantise(frame.stokes[$0][0], scale: 255, maxValue: 255, stream: .rgb) })
    }

    /// 8-bit RGB behind a linear polarizer at `degrees` (0, 45, 90 or 135): 255·I(α), I(α) = (S0 + S1 cos 2α + S2 sin 2α)/2.
    public func polarizer(degrees: Int) -> RawImage {
        let stream: Stream = [0: .angle0, 45: .angle45, 90: .angle90, 135: .angle135][degrees] ?? .angle0
        return interleave8((0..<3).map { c in quantise(polarizerPlane(colour: c, degrees: degrees), scale: 255, maxValue: 255, stream: stream) })
    }

    func polarizerPlane(colour c: Int, degrees: Int) -> [Float] {
        let a = Double(degrees) * .pi / 180
        let ca = Float(cos(2 * a)), sa = Float(sin(2 * a))
        let s = frame.stokes[c]
        return (0..<s[0].count).map { (s[0][$0] + s[1][$0] * ca + s[2][$0] * sa) / 2 }
    }

    /// A 16-bit mono division-of-focal-plane mosaic with `layout`: at each pixel 65535·I(α) of the mean of the three
    /// colours' Stokes vectors, α the polarizer over that pixel.
    public func mosaic(layout: PolarizerMosaicLayout) -> RawImage {
        let w = frame.width, n = w * frame.height
        let planes = [0, 45, 90, 135].map { deg in
            (0..<3).map { polarizerPlane(colour: $0, degrees: deg) }
        }
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let k = layout.channel(row: i / w, col: i % w)
            values[i] = (planes[k][0][i] + planes[k][1][i] + planes[k][2][i]) / 3
        }
        return gray16(quantise(values, scale: 65535, maxValue: 65535, stream: .mosaic))
    }

    /// An 8-bit IMX250MYR-style colour division-of-focal-plane mosaic: polarizer superpixels with `layout` under a
    /// Bayer RGGB of 2×2 blocks (4×4 period: block rows/columns (0,0) red, (0,1) and (1,0) green, (1,1) blue, as
    /// `PolarizationDemosaicing.demosaicColor` reads it); at each pixel 255·I_c(α) of its colour c and polarizer α,
    /// the same values the four-angle RGB images hold at that pixel.
    public func colourMosaic(layout: PolarizerMosaicLayout) -> RawImage {
        let w = frame.width, n = w * frame.height
        var values = [Float](repeating: 0, count: n)
        let planes = [0, 45, 90, 135].map { deg in (0..<3).map { polarizerPlane(colour: $0, degrees: deg) } }
        for i in 0..<n {
            let (row, col) = (i / w, i % w)
            let block = ((row / 2) % 2, (col / 2) % 2)
            let colour = block == (0, 0) ? 0 : (block == (1, 1) ? 2 : 1)
            values[i] = planes[layout.channel(row: row, col: col)][colour][i]
        }
        return interleave8([quantise(values, scale: 255, maxValue: 255, stream: .colourMosaic)])
    }

    /// PGSNet's polarization images, 8-bit RGB each: AoLP = ½·atan2(S2, S1) folded into [0, π) as 255·AoLP/π, and
    /// DoLP = √(S1² + S2²)/S0 (0 where S0 = 0) as 255·DoLP, per colour.
    public func angleAndDegree() -> (aolp: RawImage, dolp: RawImage) {
        var aolp: [[Float]] = [], dolp: [[Float]] = []
        for c in 0..<3 {
            let s = frame.stokes[c]
            aolp.append((0..<s[0].count).map { i in
                var a = 0.5 * atan2(Double(s[2][i]), Double(s[1][i]))
                if a < 0 { a += .pi }
                return Float(a / .pi)
            })
            dolp.append((0..<s[0].count).map { i in s[0][i] > 0 ? min(1, (s[1][i] * s[1][i] + s[2][i] * s[2][i]).squareRoot() / s[0][i]) : 0 })
        }
        return (interleave8(aolp.map { quantise($0, scale: 255, maxValue: 255, stream: .aolp) }),
                interleave8(dolp.map { quantise($0, scale: 255, maxValue: 255, stream: .dolp) }))
    }

    /// 8-bit NIR: 255·radiance.
    public func nir() -> RawImage { interleave8([quantise(frame.nir, scale: 255, maxValue: 255, stream: .nir)]) }

    /// Instance ids, 8-bit (0 = background).
    public func labels() -> RawImage {
        RawImage(width: frame.width, height: frame.height, channels: 1, dtype: .uint8, bytes: frame.label)
    }

    /// 16-bit z-depth in millimetres (0 = no return), noise-free.
    public func depthMillimetres() -> RawImage { gray16(frame.depth.map { min(65535, max(0, (Double($0) * 1000).rounded(.toNearestOrEven))) }) }

    /// Thermal counts rounded to 16 bits, with noise σ = noise·1000 counts (2 counts ≈ 0.015 °C near 20 °C with the
    /// standard calibration at the default noise 0.002).
    public func thermalCounts() -> [UInt16] {
        quantise(frame.thermalCounts, scale: 1, maxValue: 65535, stream: .thermal, sigma: noise * 1000).map { UInt16($0) }
    }

}
