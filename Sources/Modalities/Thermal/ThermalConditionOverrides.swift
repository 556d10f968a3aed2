import ImageIO
import Transforms

/// Viewing conditions given by the user instead of those a FLIR file recorded; nil keeps the file's value.
/// Units: emissivity 0…1, temperatures °C, distance metres, relative humidity as a fraction 0…1.
public struct ThermalConditionOverrides: Sendable, Equatable, Hashable, Codable {
    public var emissivity: Double?
    public var reflectedTemperatureCelsius: Double?
    public var atmosphericTemperatureCelsius: Double?
    public var objectDistanceMeters: Double?
    public var relativeHumidity: Double?

    public init(emissivity: Double? = nil, reflectedTemperatureCelsius: Double? = nil, atmosphericTemperatureCelsius: Double? = nil,
                objectDistanceMeters: Double? = nil, relativeHumidity: Double? = nil) {
        (self.emissivity, self.reflectedTemperatureCelsius, self.atmosphericTemperatureCelsius) =
            (emissivity, reflectedTemperatureCelsius, atmosphericTemperatureCelsius)
        (self.objectDistanceMeters, self.relativeHumidity) = (objectDistanceMeters, relativeHumidity)
    }

    /// True when no value is overridden.
    public var isEmpty: Bool { self == ThermalConditionOverrides() }

    /// `info` with the overridden fields replaced.
    public func applied(to info: FLIRCameraInfo) -> FLIRCameraInfo {
        var i = info
        if let emissivity { i.emissivity = emissivity }
        if let reflectedTemperatureCelsius { i.reflectedApparentTemperature = reflectedTemperatureCelsius }
        if let atmosphericTemperatureCelsius { i.atmosphericTemperature = atmosphericTemperatureCelsius }
        if let objectDistanceMeters { i.objectDistance = objectDistanceMeters }
        if let relativeHumidity { i.relativeHumidity = relativeHumidity }
        return i
    }
}
