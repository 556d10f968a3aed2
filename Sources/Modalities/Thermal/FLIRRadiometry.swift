import ImageIO
import Transforms

extension FLIRCameraInfo {
    /// The Planck constants of this camera's calibration.
    public var planckConstants: PlanckConstants {
        PlanckConstants(r1: planckR1, r2: planckR2, b: planckB, f: planckF, o: planckO)
    }

    /// The viewing conditions the camera recorded with the frame (emissivity, distances, temperatures in °C,
    /// humidity as a fraction, IR window, atmospheric transmission coefficients).
    public var viewingConditions: ThermalViewingConditions {
        ThermalViewingConditions(
            emissivity: emissivity, reflectedApparentTemperatureCelsius: reflectedApparentTemperature,
            atmosphericTemperatureCelsius: atmosphericTemperature, relativeHumidity: relativeHumidity,
            objectDistanceMeters: objectDistance, windowTransmission: irWindowTransmission,
            windowTemperatureCelsius: irWindowTemperature,
            atmosphere: AtmosphericTransmissionCoefficients(alpha1: atmosphericTransAlpha1, alpha2: atmosphericTransAlpha2,
                                                            beta1: atmosphericTransBeta1, beta2: atmosphericTransBeta2,
                                                            x: atmosphericTransX))
    }

    /// Raw counts → object temperature with the file's own constants and conditions.
    public func radiometry() throws -> PlanckRadiometry {
        try PlanckRadiometry(constants: planckConstants, conditions: viewingConditions)
    }
}
