import TensorCore

/// Per-channel standardisation `x' = (x − mean[c]) / std[c]` and its inverse.
///
/// Rules:
/// - Label channels (`ChannelKind.label`) are passed through unchanged (their entries are ignored).
/// - Invalid pixels are set to 0 after normalising: pixels whose valid mask is 0 (all channels),
///   and in a depth channel also its holes (non-finite or ≤ 0 depth; other channels keep their
///   values there). 0 in normalised units is the dataset mean, the value SAM's padding also gets.
///   The mask is passed through unchanged.
/// - The output descriptors keep their names; their unit becomes `"1"` and every non-label kind
///   becomes `.intensity`: normalised values are plain numbers (an angle minus its mean is no longer
///   periodic, a normalised depth 0 is not a hole), so later geometric transforms interpolate them
///   linearly and rely on the mask. `denormalize` restores the original descriptors.
/// - `denormalize(normalize(x)) == x` (up to Float rounding) on valid pixels; pixels with mask 0
///   come back as 0 and depth holes as the mean depth (a normalised 0 carries no hole marker; fold
///   holes into the mask first, e.g. `Resize(depthHolesInvalidateMask: true)`, if they must survive).
public struct ChannelNormalization: Sendable, Equatable, Codable {
    public var means: [Double]
    public var standardDeviations: [Double]

    /// Given constants, e.g. the reference's per-dataset lists (docs/REFERENCE.md §7).
    public init(means: [Double], standardDeviations: [Double]) throws {
        guard means.count == standardDeviations.count else {
            throw GeometryError.channelCount(field: "normalization: standard deviations", expected: means.count,
                                             got: standardDeviations.count)
        }
        for (c, s) in standardDeviations.enumerated() where !(s > 0 && s.isFinite) {
            throw GeometryError.parameter(field: "normalization: standard deviation of channel \(c)", expected: "a finite value > 0", got: s)
        }
        for (c, m) in means.enumerated() where !m.isFinite {
            throw GeometryError.parameter(field: "normalization: mean of channel \(c)", expected: "a finite value", got: m)
        }
        self.means = means
        self.standardDeviations = standardDeviations
    }

    /// Population mean and standard deviation of accumulated statistics. A channel with zero spread
    /// (e.g. a constant label channel) is an error unless it is named in `ignoring`, which gets std 1.
    public init(statistics: ChannelStatistics, ignoring: Set<Int> = []) throws {
        let sd = statistics.standardDeviations.enumerated().map { ignoring.contains($0.offset) ? 1 : $0.element }
        let mu = statistics.means.enumerated().map { ignoring.contains($0.offset) ? 0 : $0.element }
        try self.init(means: mu, standardDeviations: sd)
    }

    public var channelCount: Int { means.count }

    /// Min–max scaling `x' = (x − min[c]) / (max[c] − min[c])` (values of the accumulated samples land in
    /// `[0, 1]`), written as a standardisation with mean = minimum and std = range. A channel with zero
    /// range is an error unless it is named in `ignoring`, which passes through (0 and 1).
    public init(ranges statistics: ChannelStatistics, ignoring: Set<Int> = []) throws {
        try self.init(minima: statistics.channels.map(\.minimum), maxima: statistics.channels.map(\.maximum), ignoring: ignoring)
    }

    /// Min–max scaling from given per-channel minima and maxima (see `init(ranges:ignoring:)`).
    public init(minima: [Double], maxima: [Double], ignoring: Set<Int> = []) throws {
        guard minima.count == maxima.count else {
            throw GeometryError.channelCount(field: "normalization: maxima", expected: minima.count, got: maxima.count)
        }
        try self.init(means: minima.enumerated().map { ignoring.contains($0.offset) ? 0 : $0.element },
                      standardDeviations: zip(minima, maxima).enumerated().map { ignoring.contains($0.offset) ? 1 : $0.element.1 - $0.element.0 })
    }


    /// `[C, H, W]` values standardised per channel (see the type's rules).
    public func normalize(_ image: ChannelImage) throws -> ChannelImage {
        try check(image, "normalize")
        let (C, plane) = (image.channelCount, image.height * image.width)
        let maskValues = image.validMask?.scalars ?? [Float](repeating: 1, count: plane)
        var values = image.values
        values.withUnsafeMutableBufferPointer { b in
            for c in 0..<C where image.channels[c].kind != .label {
                let mean = Float(means[c]), sd = Float(standardDeviations[c])   // divide, as torchvision's sub_().div_()
                let isDepth = image.channels[c].kind == .depth
                let p = b.baseAddress! + c * plane
                maskValues.withUnsafeBufferPointer { mb in
                    let m = mb.baseAddress!
                    Parallel.forEachRange(plane, cost: 2) { r in
                        for i in r {
                            let x = p[i]
                            let valid = m[i] != 0 && (!isDepth || (x > 0 && x.isFinite))
                            p[i] = valid ? (x - mean) / sd : 0
                        }
                    }
                }
            }
        }
        let channels = image.channels.map { d in
            d.kind == .label ? d : ChannelDescriptor(name: d.name, unit: "1", kind: .intensity)
        }
        return ChannelImage(values: values, channels: channels, validMask: image.validMask)
    }

    /// The inverse: `x = x'·std[c] + mean[c]` on valid pixels, 0 on invalid ones, with the
    /// descriptors `channels` (the ones the image had before `normalize`).
    public func denormalize(_ image: ChannelImage, restoring channels: [ChannelDescriptor]) throws -> ChannelImage {
        try check(image, "denormalize")
        guard channels.count == image.channelCount else {
            throw GeometryError.channelCount(field: "denormalize: restored descriptors", expected: image.channelCount, got: channels.count)
        }
        let (C, plane) = (image.channelCount, image.height * image.width)
        let maskValues = image.validMask?.scalars ?? [Float](repeating: 1, count: plane)
        var values = image.values
        values.withUnsafeMutableBufferPointer { b in
            for c in 0..<C where channels[c].kind != .label {
                let mean = Float(means[c]), sd = Float(standardDeviations[c])
                for i in 0..<plane {
                    b[c * plane + i] = maskValues[i] != 0 ? b[c * plane + i] * sd + mean : 0
                }
            }
        }
        return ChannelImage(values: values, channels: channels, validMask: image.validMask)
    }

    private func check(_ image: ChannelImage, _ op: String) throws {
        guard image.values.rank == 3 else {
            throw GeometryError.shape(field: "\(op): image values", expected: "[C, H, W]", got: image.values.shape)
        }
        guard image.channelCount == channelCount else {
            throw GeometryError.channelCount(field: "\(op): means and standard deviations", expected: image.channelCount, got: channelCount)
        }
        if let m = image.validMask, m.shape != [image.height, image.width] {
            throw GeometryError.shape(field: "\(op): valid mask", expected: "[\(image.height), \(image.width)]", got: m.shape)
        }
    }
}
