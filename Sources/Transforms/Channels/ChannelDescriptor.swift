/// What a channel measures. Geometric transforms consult it: angles are resampled in
/// doubled-angle space and mirrored, depth is not blended across invalid pixels, labels are
/// resampled with nearest neighbour.
public enum ChannelKind: Sendable, Equatable, Hashable, Codable {
    /// Radiance-like quantities that may be blended linearly (counts, reflectance, S0, DoLP).
    case intensity
    /// An orientation angle in radians that repeats with `period` (AoLP: period π).
    case angle(period: Double)
    /// Distance along the optical axis, in metres; 0 marks an invalid pixel.
    case depth
    /// Temperature in degrees Celsius.
    case temperature
    /// CT attenuation in Hounsfield units.
    case hounsfield
    /// Integer region or class identifiers (0 = background); never interpolated.
    case label
}

/// Name, unit and kind of one channel of a `ChannelImage`.
public struct ChannelDescriptor: Sendable, Equatable, Hashable, Codable {
    /// Field name, e.g. `"S0"`, `"AoLP"`, `"depth"`, `"NIR"`.
    public var name: String
    /// Physical unit, e.g. `"counts"`, `"rad"`, `"m"`, `"°C"`, `"HU"`, `"1"` for dimensionless.
    public var unit: String
    public var kind: ChannelKind

    public init(name: String, unit: String, kind: ChannelKind) {
        self.name = name
        self.unit = unit
        self.kind = kind
    }
}
