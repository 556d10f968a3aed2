import AIMS
import Foundation

/// `aims synth --out DIR --scenes N --seed S …`: physically based synthetic multimodal scenes with known ground truth.
struct SynthCommand: Command {
    static let name = "synth"
    static let summary = "render synthetic RGB/polarization/depth/NIR/thermal scenes with exact ground truth"
    static let discussion = """
    Each scene: a pinhole camera (focal length 1.1·W px) facing a textured diffuse wall and 1-4 spheres/ellipsoids of
    glass (transparent: barely visible in intensity, strongly polarized by Fresnel reflection) or matte dielectric
    (diffuse polarization), with their own NIR reflectance, refractive index, temperature and emissivity.

    Writes (id = zero-padded scene index): scenes/<id>.json (ground truth), labels/<id>.png,
    zju-rgbp/{train,val}/{0,45,90,135}/<id>_<a>°.png + label_sam/<id>.png, polarization/<id>.png (16-bit IMX250MZR
    mosaic), rgb/<id>.png, depth/<id>.png (16-bit z-depth mm), NYUDepthv2/{RGB,Depth(.npy m),Mask_gt,HHA} +
    {train,test}.txt, nir/<id>.png, IVRG_RGBNIR/Outdoor_dataset/{RGBimages,NIRimages,masks} + IVRG-nir_*_GroundTruth.csv,
    thermal/<id>.fff (FLIR FFF), RGB-Thermal-Glass/images/<id>_{rgb.png,temperature.npy,mask.png} + CSVs, synth.json
    (seed, options, SHA-256 of every file). The same seed and options give byte-identical files. RGB is PNG, not JPEG.
    """
    private static let defaults = SynthOptions()

    let out = Option("out", .path("DIR"), required: true, help: "the output folder")
    let scenes = Option("scenes", .positiveInt("N"), required: true, help: "number of scenes")
    let seed = Option("seed", .seed("S"), required: true, help: "the seed of everything random")
    let size = Option("size", ValueType(placeholder: "W[xH]", expectation: "W or WxH in pixels") { text -> (width: Int, height: Int)? in
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), let w = parts[0], let h = parts.count == 2 ? parts[1] : parts[0] else { return nil }
        return (w, h)
    }, defaultText: "\(defaults.width)x\(defaults.height)", help: "image size in pixels, even")
    let valFraction = Option("val-fraction", .number(in: 0...0.99, "F"), defaultText: "\(defaults.valFraction)",
                             help: "share of scenes in zju val / nyu,ivrg,rgbt test")
    let objects = Option("objects", ValueType(placeholder: "MIN-MAX", expectation: "MIN-MAX (or N)") { text -> (min: Int, max: Int)? in
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), let lo = parts[0], let hi = parts.count == 2 ? parts[1] : parts[0] else { return nil }
        return (lo, hi)
    }, defaultText: "\(defaults.minObjects)-\(defaults.maxObjects)", help: "objects per scene, 1-4")
    let glassFraction = Option("glass-fraction", .number(in: 0...1, "F"), defaultText: "\(defaults.glassFraction)",
                               help: "probability an object is glass; the first one always is when F > 0")
    let environmentRatio = Option("environment-ratio", .number(in: 0...100, "R"), defaultText: "\(defaults.environmentRatio)",
                                  help: "radiance mirrored by glass / mean wall radiance")
    let noise = Option("noise", .number(in: 0...0.5, "SIGMA"), defaultText: "\(defaults.noise); 0 = none",
                       help: "Gaussian sensor noise, fraction of full scale")
    let conventions = Option("conventions", .list(of: ValueType<SynthConvention>.cases.ignoringCase, placeholder: "LIST"), defaultText: "all",
                             help: "any of \(SynthConvention.allCases.map(\.rawValue).joined(separator: ", "))")
    let cue = Option("cue", ValueType<SynthCue>.cases.ignoringCase, defaultText: "none: mixed glass and coloured objects",
                     help: "only this cue separates the objects: \(SynthCue.allCases.map(\.rawValue).joined(separator: ", ")) (aims benchmark)")
    let force = Flag("force", help: "write into a non-empty DIR")
    let json = Flag("json", help: "print the summary as JSON on stdout")

    struct Summary: Encodable {
        var output: String
        var scenes: Int
        var seed: UInt64
        var width: Int
        var height: Int
        var conventions: [String]
        var train: Int
        var validation: Int
        var files: Int
        var bytes: Int
        var seconds: Double
    }

    func run(_ args: ParsedArguments) throws -> Int32 {
        let out = args.value(self.out)
        let scenes = args.value(self.scenes)
        let seed = args.value(self.seed)
        var options = SynthOptions()
        if let size = args[self.size] { (options.width, options.height) = size }
        if let objects = args[self.objects] { (options.minObjects, options.maxObjects) = objects }
        if let f = args[self.valFraction] { options.valFraction = f }
        if let f = args[self.glassFraction] { options.glassFraction = f }
        if let r = args[self.environmentRatio] { options.environmentRatio = r }
        if let s = args[self.noise] { options.noise = s }
        if let list = args[self.conventions] { options.conventions = list }
        options.cue = args[self.cue]
        do { try options.validate() } catch let e as SynthError { throw UsageError(message: e.errorDescription ?? "\(e)") }

        let root = URL(fileURLWithPath: out)
        let start = Date()
        let reporter = LockedProgress(ProgressReporter(label: "aims synth", total: scenes, unit: "scene"))
        let manifest = try SynthDatasetWriter(seed: seed, options: options)
            .write(scenes: scenes, to: root, force: args[self.force]) { done in reporter.update(done) }
        let summary = Summary(output: root.path, scenes: scenes, seed: seed, width: options.width, height: options.height,
                              conventions: options.conventions.map(\.rawValue), train: manifest.train.count,
                              validation: manifest.validation.count, files: manifest.files.count + 1,
                              bytes: manifest.files.reduce(0) { $0 + $1.bytes }, seconds: Date().timeIntervalSince(start))
        if args[self.json] {
            try JSONOutput.print(summary)
        } else {
            Console.error(String(format: "aims synth: %d scenes (%d train, %d val/test) at %dx%d, %d files, %.1f MB in %@ (%.2f s)",
                                 scenes, summary.train, summary.validation, summary.width, summary.height, summary.files,
                                 Double(summary.bytes) / 1e6, root.path, summary.seconds))
        }
        return 0
    }
}

/// A `ProgressReporter` shared by the concurrent scene loop (the writer already serialises calls; the lock keeps the
/// mutation safe regardless).
private final class LockedProgress: @unchecked Sendable {
    private var reporter: ProgressReporter
    private let lock = NSLock()
    init(_ reporter: ProgressReporter) { self.reporter = reporter }
    func update(_ done: Int) { lock.withLock { reporter.update(done) } }
}
