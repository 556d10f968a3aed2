/// Coefficients of FLIR's two-band atmospheric transmission model ("Atmospheric Trans Alpha 1/2, Beta 1/2, X").
public struct AtmosphericTransmissionCoefficients: Sendable, Equatable, Hashable, Codable {
    public var alpha1: Double
    public var alpha2: Double
    public var beta1: Double
    public var beta2: Double
    public var x: Double

    public init(alpha1: Double, alpha2: Double, beta1: Double, beta2: Double, x: Double) {
        self.alpha1 = alpha1
        self.alpha2 = alpha2
        self.beta1 = beta1
        self.beta2 = beta2
        self.x = x
    }

    /// FLIR's defaults, as written by most cameras (e.g. the FLIR Duo Pro R frame in flirpy's test data).
    public static let flirDefault = AtmosphericTransmissionCoefficients(
        alpha1: 0.006569, alpha2: 0.012620, beta1: -0.002276, beta2: -0.006670, x: 1.9)
}

/// The scene and optics between the object and the sensor.
public struct ThermalViewingConditions: Sendable, Equatable, Hashable, Codable {
    /// Object emissivity, in (0, 1].
    public var emissivity: Double
    /// Reflected apparent temperature, °C.
    public var reflectedApparentTemperatureCelsius: Double
    /// Atmospheric temperature, °C.
    public var atmosphericTemperatureCelsius: Double
    /// Relative humidity as a fraction in [0, 1] (ExifTool prints it in percent: divide by 100).
    public var relativeHumidity: Double
    /// Object distance, metres (0 disables atmospheric attenuation: transmission 1).
    public var objectDistanceMeters: Double
    /// External IR window transmission in (0, 1]; 1 means no window.
    public var windowTransmission: Double
    /// IR window temperature, °C.
    public var windowTemperatureCelsius: Double
    public var atmosphere: AtmosphericTransmissionCoefficients

    public init(emissivity: Double = 1, reflectedApparentTemperatureCelsius: Double = 20,
                atmosphericTemperatureCelsius: Double = 20, relativeHumidity: Double = 0.5,
                objectDistanceMeters: Double = 0, windowTransmission: Double = 1, windowTemperatureCelsius: Double = 20,
                atmosphere: AtmosphericTransmissionCoefficients = .flirDefault) {
        self.emissivity = emissivity
        self.reflectedApparentTemperatureCelsius = reflectedApparentTemperatureCelsius
        self.atmosphericTemperatureCelsius = atmosphericTemperatureCelsius
        self.relativeHumidity = relativeHumidity
        self.objectDistanceMeters = objectDistanceMeters
        self.windowTransmission = windowTransmission
        self.windowTemperatureCelsius = windowTemperatureCelsius
        self.atmosphere = atmosphere
    }
}
