import Foundation

/// The modalities known by identifier: the built-ins, plugins registered in code, and JSON plugins.
/// An identifier `a+b+…` names the composite of the registered `a`, `b`, … (resolved on request).
public struct ModalityRegistry: Sendable {
    private var byIdentifier: [String: any Modality] = [:]

    /// An empty registry.
    public init() {}

    /// The built-in modalities (see `builtInModalities`).
    public static var standard: ModalityRegistry {
        var r = ModalityRegistry()
        for m in builtInModalities { r.register(m) }
        return r
    }

    /// rgb; polarization-mono, polarization-mono-legacy, polarization-rgb, polarization-4angle, zju-rgbp, zju-rgbp-mosaic,
    /// zju-rgbp-mono;
    /// depth (mm PNG, m float), depth-sr300; thermal; nir, nir-sentinel2; ct (DICOM HU), dicom (any DICOM values),
    /// nifti (axial middle slice); SimCMF's dataset readers (`ReferenceModality.all`).
    public static var builtInModalities: [any Modality] {
        let builtIns: [any Modality] = [
            try! RGBModality(),
            PolarizationModality.imx250mzr(), PolarizationModality.imx250mzrLegacy(), PolarizationModality.imx250myr(),
            PolarizationModality.fourAngleRGB(), PolarizationModality.zjuRGBP(),
            PolarizationModality.zjuRGBPFromColourMosaic(), PolarizationModality.zjuRGBPFromMonoMosaic(),
            try! DepthModality(), DepthModality.realSenseSR300(),
            try! ThermalModality(),
            try! NIRModality(), NIRModality.sentinel2BGRN(),
            try! DICOMModality(), try! DICOMModality(identifier: "dicom", hounsfield: false),
            try! NIfTISliceModality(),
        ]
        return builtIns + ReferenceModality.all.map { $0 as any Modality }
    }

    /// Adds or replaces a modality under its identifier.
    public mutating func register(_ modality: any Modality) {
        byIdentifier[modality.identifier] = modality
    }

    /// Loads, validates and registers the JSON plugin at `url`.
    @discardableResult
    public mutating func registerPlugin(at url: URL) throws -> DeclarativeModality {
        let m = try DeclarativeModality.load(url)
        register(m)
        return m
    }

    /// Registers every `*.json` plugin in `directory` (sorted by name); returns their identifiers.
    @discardableResult
    public mutating func registerPlugins(in directory: URL) throws -> [String] {
        let names = try ModalityError.wrapping(directory.path) { try FileManager.default.contentsOfDirectory(atPath: directory.path) }
        return try names.filter { $0.hasSuffix(".json") }.sorted().map {
            try registerPlugin(at: directory.appendingPathComponent($0)).identifier
        }
    }

    /// The modality with this identifier (or the composite `a+b`), if every part is registered.
    public func modality(_ identifier: String) -> (any Modality)? { try? require(identifier) }

    /// The modality with this identifier, or a composite of registered parts for `a+b+…`.
    /// - Throws: `ModalityError.unknownModality` naming the missing identifier.
    public func require(_ identifier: String) throws -> any Modality {
        if let m = byIdentifier[identifier] { return m }
        let names = identifier.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
        guard names.count >= 2 else { throw ModalityError.unknownModality(identifier: identifier, known: identifiers) }
        let parts = try names.map { name -> any Modality in
            guard let m = byIdentifier[name] else { throw ModalityError.unknownModality(identifier: name, known: identifiers) }
            return m
        }
        return try CompositeModality(parts: parts, identifier: identifier)
    }

    /// All registered identifiers, sorted.
    public var identifiers: [String] { byIdentifier.keys.sorted() }

    /// All registered modalities, sorted by identifier.
    public var all: [any Modality] { identifiers.map { byIdentifier[$0]! } }
}
