import Foundation
import Modalities
import Transforms

/// Command-line settings that change how a modality decodes: thermal viewing conditions, the depth scale and a
/// polarization mosaic's superpixel layout.
/// Applied to the modality itself or to the matching parts of a composite.
public struct ModalityOverrides: Sendable, Equatable {
    /// Replaces FLIR files' recorded conditions (thermal only).
    public var thermal = ThermalConditionOverrides()
    /// Metres per stored unit of integer depth maps (depth only; float maps stay in metres).
    public var depthMetersPerUnit: Double?
    /// The polarizer angles of a raw mosaic's 2×2 superpixel (polarization mosaics only), e.g. polanalyser's pre-3.0
    /// layout for captures recorded with it.
    public var mosaicLayout: PolarizerMosaicLayout?

    public init(thermal: ThermalConditionOverrides = ThermalConditionOverrides(), depthMetersPerUnit: Double? = nil,
                mosaicLayout: PolarizerMosaicLayout? = nil) {
        self.thermal = thermal
        self.depthMetersPerUnit = depthMetersPerUnit
        self.mosaicLayout = mosaicLayout
    }

    /// The overridden values, for the outputs' metadata (nil when none).
    public var notes: [String: String]? {
        var n: [String: String] = [:]
        let t = thermal
        if let v = t.emissivity { n["emissivity"] = "\(v)" }
        if let v = t.reflectedTemperatureCelsius { n["reflected temperature °C"] = "\(v)" }
        if let v = t.atmosphericTemperatureCelsius { n["atmospheric temperature °C"] = "\(v)" }
        if let v = t.objectDistanceMeters { n["object distance m"] = "\(v)" }
        if let v = t.relativeHumidity { n["relative humidity"] = "\(v)" }
        if let v = depthMetersPerUnit { n["depth metres per unit"] = "\(v)" }
        if let v = mosaicLayout { n["mosaic layout"] = "\(v.anglesDegrees)" }
        return n.isEmpty ? nil : n
    }

    /// `modality` with these settings applied.
    /// - Throws: `ConversionError.optionNotApplicable` when a setting is given that no part of `modality` uses.
    public func apply(to modality: any Modality) throws -> any Modality {
        var usedThermal = false, usedDepth = false, usedLayout = false
        func configure(_ m: any Modality) throws -> any Modality {
            if var t = m as? ThermalModality, !thermal.isEmpty {
                t.conditionOverrides = thermal
                usedThermal = true
                return t
            }
            if var d = m as? DepthModality, let scale = depthMetersPerUnit {
                d.metersPerUnit = scale
                usedDepth = true
                return d
            }
            if var p = m as? PolarizationModality, let layout = mosaicLayout, p.capture.mosaicLayout != nil {
                p.capture = p.capture.withMosaicLayout(layout)
                usedLayout = true
                return p
            }
            if let c = m as? CompositeModality { return try CompositeModality(parts: c.parts.map(configure), identifier: c.identifier) }
            return m
        }
        let out = try configure(modality)
        if !thermal.isEmpty, !usedThermal {
            throw ConversionError.optionNotApplicable(option: "--emissivity/--reflected-temperature/--atmospheric-temperature/--distance/--humidity",
                                                      modality: modality.identifier)
        }
        if depthMetersPerUnit != nil, !usedDepth {
            throw ConversionError.optionNotApplicable(option: "--depth-scale", modality: modality.identifier)
        }
        if mosaicLayout != nil, !usedLayout {
            throw ConversionError.optionNotApplicable(option: "--layout", modality: modality.identifier)
        }
        return out
    }
}
