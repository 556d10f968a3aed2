import Foundation
import TensorCore

/// How a resize interpolates the linear channel kinds (intensity, temperature, Hounsfield, depth,
/// and angles in doubled-angle space). Label channels and label maps always use nearest.
public enum ResizeInterpolation: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// `F.interpolate(mode="bilinear", align_corners=False, antialias=False)`.
    case bilinear
    /// Box average, `F.interpolate(mode="area")` = `adaptive_avg_pool2d`.
    case area
    /// Nearest neighbour with the given rounding rule, for every channel.
    case nearest(NearestRule)

    public var description: String {
        switch self {
        case .bilinear: return "bilinear"
        case .area: return "area"
        case let .nearest(rule): return "nearest-\(rule.rawValue)"
        }
    }
}

/// The kind-aware resize of a `ChannelImage` (see `Resize` for the rules).
enum ChannelImageResampler {
    static func resize(_ image: ChannelImage, height outH: Int, width outW: Int,
                       interpolation: ResizeInterpolation, labelRule: NearestRule,
                       depthHolesInvalidateMask: Bool) -> ChannelImage {
        let (C, H, W) = (image.channelCount, image.height, image.width)
        let plane = H * W, outPlane = outH * outW
        let validity = effectiveValidity(image, includingDepthHoles: depthHolesInvalidateMask)
        let labelRows = labelRule.indices(input: H, output: outH), labelColumns = labelRule.indices(input: W, output: outW)
        var outMask: Tensor?

        let values: Tensor = image.values.withUnsafeBufferPointer { vb in
            Tensor(shape: [C, outH, outW]) { ob in
                let src = vb.baseAddress!, dst = ob.baseAddress!
                switch interpolation {
                case let .nearest(rule):
                    let rows = rule.indices(input: H, output: outH), columns = rule.indices(input: W, output: outW)
                    for c in 0..<C {
                        let isLabel = image.channels[c].kind == .label
                        PlaneResampler.gather(src + c * plane, width: W, rowIndices: isLabel ? labelRows : rows,
                                              columnIndices: isLabel ? labelColumns : columns, output: dst + c * outPlane)
                    }
                    if let validity {
                        outMask = Tensor(shape: [outH, outW]) { m in
                            validity.withUnsafeBufferPointer { v in
                                PlaneResampler.gather(v.baseAddress!, width: W, rowIndices: rows, columnIndices: columns,
                                                      output: m.baseAddress!)
                            }
                        }
                    }
                case .bilinear, .area:
                    let wy = interpolation == .area ? AxisWeights.area(input: H, output: outH) : AxisWeights.linear(input: H, output: outH)
                    let wx = interpolation == .area ? AxisWeights.area(input: W, output: outW) : AxisWeights.linear(input: W, output: outW)
                    for c in 0..<C {
                        let input = src + c * plane, output = dst + c * outPlane
                        switch image.channels[c].kind {
                        case .label:
                            PlaneResampler.gather(input, width: W, rowIndices: labelRows, columnIndices: labelColumns, output: output)
                        case let .angle(period):
                            resampleAngle(input, count: plane, period: period, rows: wy, columns: wx,
                                          height: H, width: W, output: output)
                        case .depth:
                            resampleDepth(input, mask: image.validMask, height: H, width: W, rows: wy, columns: wx, output: output)
                        case .intensity, .temperature, .hounsfield:
                            PlaneResampler.linear(input, height: H, width: W, rows: wy, columns: wx, output: output)
                        }
                    }
                    if let validity {
                        outMask = conservativeMask(validity, height: H, width: W, rows: wy, columns: wx)
                    }
                }
            }
        }
        return ChannelImage(values: values, channels: image.channels, validMask: outMask)
    }

    /// A label map `[H, W]` resized with nearest neighbour.
    static func resizeLabel(_ label: Tensor, height outH: Int, width outW: Int, rule: NearestRule) -> Tensor {
        let (H, W) = (label.shape[0], label.shape[1])
        let rows = rule.indices(input: H, output: outH), columns = rule.indices(input: W, output: outW)
        return label.withUnsafeBufferPointer { lb in
            Tensor(shape: [outH, outW]) { ob in
                PlaneResampler.gather(lb.baseAddress!, width: W, rowIndices: rows, columnIndices: columns, output: ob.baseAddress!)
            }
        }
    }

    /// `[H·W]` with 1 where the pixel is valid: the valid mask (if any) and, when
    /// `includingDepthHoles`, a finite depth > 0 in every depth channel. `nil` when every pixel is
    /// valid and there is no mask.
    static func effectiveValidity(_ image: ChannelImage, includingDepthHoles: Bool) -> [Float]? {
        let plane = image.height * image.width
        var v: [Float]? = image.validMask.map { m in m.scalars.map { $0 != 0 ? 1 : 0 } }
        let depthChannels = includingDepthHoles ? image.channels.indices.filter { image.channels[$0].kind == .depth } : []
        guard !depthChannels.isEmpty else { return v }
        image.values.withUnsafeBufferPointer { vb in
            for c in depthChannels {
                let d = vb.baseAddress! + c * plane
                for i in 0..<plane where !(d[i] > 0 && d[i].isFinite) {
                    if v == nil { v = [Float](repeating: 1, count: plane) }
                    v![i] = 0
                }
            }
        }
        return v
    }

    /// Output valid iff every input pixel with a positive weight was valid: the resampled
    /// invalid-indicator is exactly 0 there (all weights are positive).
    static func conservativeMask(_ validity: [Float], height: Int, width: Int,
                                 rows: AxisWeights, columns: AxisWeights) -> Tensor {
        let invalid = validity.map { 1 - $0 }
        var resampled = [Float](repeating: 0, count: rows.outputCount * columns.outputCount)
        invalid.withUnsafeBufferPointer { ib in resampled.withUnsafeMutableBufferPointer { rb in
            PlaneResampler.linear(ib.baseAddress!, height: height, width: width, rows: rows, columns: columns, output: rb.baseAddress!)
        } }
        return Tensor(shape: [rows.outputCount, columns.outputCount], values: resampled.map { $0 == 0 ? 1 : 0 })
    }

    /// Angles resampled in doubled-angle space: (cos 2πθ/P, sin 2πθ/P) are resampled and mapped
    /// back with atan2 into [0, P).
    static func resampleAngle(_ input: UnsafePointer<Float>, count: Int, period: Double, rows: AxisWeights,
                              columns: AxisWeights, height: Int, width: Int, output: UnsafeMutablePointer<Float>) {
        let outCount = rows.outputCount * columns.outputCount
        var cosines = [Float](repeating: 0, count: count), sines = [Float](repeating: 0, count: count)
        let k = 2 * Double.pi / period
        for i in 0..<count {
            let a = k * Double(input[i])
            cosines[i] = Float(cos(a)); sines[i] = Float(sin(a))
        }
        var outCos = [Float](repeating: 0, count: outCount), outSin = [Float](repeating: 0, count: outCount)
        cosines.withUnsafeBufferPointer { cb in outCos.withUnsafeMutableBufferPointer { ob in
            PlaneResampler.linear(cb.baseAddress!, height: height, width: width, rows: rows, columns: columns, output: ob.baseAddress!)
        } }
        sines.withUnsafeBufferPointer { sb in outSin.withUnsafeMutableBufferPointer { ob in
            PlaneResampler.linear(sb.baseAddress!, height: height, width: width, rows: rows, columns: columns, output: ob.baseAddress!)
        } }
        for i in 0..<outCount {
            output[i] = AngleChannelGeometry.decode(cosine: outCos[i], sine: outSin[i], period: period)
        }
    }

    /// Depth resampled from valid neighbours only: `Σ w·v·d / Σ w·v` with `v` = 1 where the mask
    /// is set and the depth is finite and > 0; 0 (invalid) where no neighbour is valid.
    static func resampleDepth(_ input: UnsafePointer<Float>, mask: Tensor?, height: Int, width: Int,
                              rows: AxisWeights, columns: AxisWeights, output: UnsafeMutablePointer<Float>) {
        let count = height * width, outCount = rows.outputCount * columns.outputCount
        let maskValues = mask?.scalars
        var weighted = [Float](repeating: 0, count: count), valid = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let d = input[i]
            if d > 0, d.isFinite, maskValues.map({ $0[i] != 0 }) ?? true { weighted[i] = d; valid[i] = 1 }
        }
        var numerator = [Float](repeating: 0, count: outCount), denominator = [Float](repeating: 0, count: outCount)
        weighted.withUnsafeBufferPointer { wb in numerator.withUnsafeMutableBufferPointer { nb in
            PlaneResampler.linear(wb.baseAddress!, height: height, width: width, rows: rows, columns: columns, output: nb.baseAddress!)
        } }
        valid.withUnsafeBufferPointer { vb in denominator.withUnsafeMutableBufferPointer { db in
            PlaneResampler.linear(vb.baseAddress!, height: height, width: width, rows: rows, columns: columns, output: db.baseAddress!)
        } }
        for i in 0..<outCount { output[i] = denominator[i] > 0 ? numerator[i] / denominator[i] : 0 }
    }
}
