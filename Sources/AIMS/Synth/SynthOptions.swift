import Foundation

/// Everything that shapes a synthetic dataset besides the seed.
public struct SynthOptions: Sendable, Equatable, Codable {
    /// Image size, pixels.
    public var width: Int = 256
    public var height: Int = 256
    /// Objects per scene, inclusive (1…4 allowed).
    public var minObjects: Int = 1
    public var maxObjects: Int = 4
    /// Probability that an object is glass (the first object of a scene is glass whenever this is > 0, so every
    /// scene holds a transparent object that is hard to see in intensity but clear in DoLP/AoLP).
    public var glassFraction: Double = 0.6
    /// Environment radiance mirrored by glass, as a multiple of the mean wall radiance (drives glass DoLP).
    public var environmentRatio: Double = 2
    /// Gaussian sensor noise, standard deviation as a fraction of full scale (applied before quantisation; also to
    /// thermal counts, in units of 65535).
    public var noise: Double = 0.002
    /// Fraction of scenes in the val/test split.
    public var valFraction: Double = 0.25
    /// The one cue that separates objects from the wall (`SynthCue`); nil: the default mixed scenes (glass and
    /// coloured matte objects). Left out of `synth.json` when nil, so default datasets encode as before.
    public var cue: SynthCue?
    /// Which folder conventions to write (kept sorted and unique, so the options encode the same way every time).
    public var conventions: [SynthConvention] = SynthConvention.allCases {
        didSet { conventions = Array(Set(conventions)).sorted() }
    }

    public init() {}

    /// - Throws: `SynthError.invalidOption` naming the field.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ expected: String, _ got: Any) throws {
            if !ok { throw SynthError.invalidOption(field: field, expected: expected, got: "\(got)") }
        }
        try check((8...8192).contains(width), "width", "8…8192 pixels", width)
        try check((8...8192).contains(height), "height", "8…8192 pixels", height)
        try check(width % 2 == 0 && height % 2 == 0, "size", "even width and height (2×2 polarizer superpixels)", "\(width)x\(height)")
        try check((1...4).contains(minObjects) && (minObjects...4).contains(maxObjects), "objects", "MIN-MAX with 1 ≤ MIN ≤ MAX ≤ 4",
                  "\(minObjects)-\(maxObjects)")
        try check((0...1).contains(glassFraction), "glass fraction", "0…1", glassFraction)
        try check(environmentRatio >= 0 && environmentRatio.isFinite, "environment ratio", "≥ 0", environmentRatio)
        try check(noise >= 0 && noise <= 0.5, "noise", "0…0.5 of full scale", noise)
        try check(valFraction >= 0 && valFraction < 1, "val fraction", "0 ≤ F < 1", valFraction)
        try check(!conventions.isEmpty, "conventions", "at least one of \(SynthConvention.allCases.map(\.rawValue))", "none")
    }
}

/// The folder conventions `SynthDatasetWriter` can write.
public enum SynthConvention: String, Sendable, Codable, CaseIterable, Comparable {
    /// `zju-rgbp/{train,val}/{0,45,90,135}/<id>_<a>°.png` + `label_sam/<id>.png`.
    case zju
    /// `polarization/<id>.png` (16-bit IMX250MZR mono mosaic) + `labels/<id>.png`.
    case mosaic
    /// `NYUDepthv2/{RGB,Depth,Mask_gt,HHA}` + lists, and `depth/<id>.png` (16-bit mm) + `rgb/<id>.png` + `labels/<id>.png`.
    case nyu
    /// `IVRG_RGBNIR/Outdoor_dataset/{RGBimages,NIRimages,masks}` + CSVs, and `nir/<id>.png` + `labels/<id>.png`.
    case ivrg
    /// `thermal/<id>.fff` (FLIR FFF) + `labels/<id>.png`, and `RGB-Thermal-Glass/…` with CSVs.
    case thermal
    /// `polarization-rgb/<id>.png` (8-bit IMX250MYR colour mosaic, the raw form of the ZJU images) + `labels/<id>.png`.
    case colourMosaic = "mosaic-rgb"
    /// `PGSNet/{train,test}/{image,aolp,dolp}/<id>_{rgb,aolp,dolp}.tiff` (8-bit, 3 colours) + `instance_mask/<id>_instance_mask.png`.
    case pgsnet

    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// Bad synthetic-dataset options or output folder.
public enum SynthError: Error, LocalizedError, Equatable {
    case invalidOption(field: String, expected: String, got: String)
    case outputNotEmpty(path: String)
    case write(file: String, message: String)

    public var errorDescription: String? {
        switch self {
        case let .invalidOption(field, expected, got): return "synth option \(field): expected \(expected), got \(got)"
        case let .outputNotEmpty(path): return "\(path): output folder is not empty (use --force to write into it)"
        case let .write(file, message): return "\(file): cannot write: \(message)"
        }
    }
}
