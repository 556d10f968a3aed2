import AIMS
import Foundation

/// `aims synth --out DIR --scenes N --seed S …`: physically based synthetic multimodal scenes with known ground truth.
enum SynthCommand: Command {
    static let name = "synth"
    static let summary = "render synthetic RGB/polarization/depth/NIR/thermal scenes with exact ground truth"
    static let usage = """
    Usage: aims synth --out DIR --scenes N --seed S [--size W[xH]] [--val-fraction F] [--objects MIN-MAX]
                      [--glass-fraction F] [--environment-ratio R] [--noise SIGMA]
                      [--conventions zju,mosaic,nyu,ivrg,thermal] [--force] [--json]

    Each scene: a pinhole camera (focal length 1.1·W px) facing a textured diffuse wall and 1-4 spheres/ellipsoids of
    glass (transparent: barely visible in intensity, strongly polarized by Fresnel reflection) or matte dielectric
    (diffuse polarization), with their own NIR reflectance, refractive index, temperature and emissivity.

      --size W[xH]          image size in pixels, even (default 256x256)
      --val-fraction F      share of scenes in zju val / nyu,ivrg,rgbt test (default 0.25)
      --objects MIN-MAX     objects per scene, 1-4 (default 1-4)
      --glass-fraction F    probability an object is glass; the first one always is when F > 0 (default 0.6)
      --environment-ratio R radiance mirrored by glass / mean wall radiance (default 2)
      --noise SIGMA         Gaussian sensor noise, fraction of full scale (default 0.002; 0 = none)
      --conventions LIST    any of zju, mosaic, nyu, ivrg, thermal (default all)
      --force               write into a non-empty DIR
      --json                print the summary as JSON on stdout

    Writes (id = zero-padded scene index): scenes/<id>.json (ground truth), labels/<id>.png,
    zju-rgbp/{train,val}/{0,45,90,135}/<id>_<a>°.png + label_sam/<id>.png, polarization/<id>.png (16-bit IMX250MZR
    mosaic), rgb/<id>.png, depth/<id>.png (16-bit z-depth mm), NYUDepthv2/{RGB,Depth(.npy m),Mask_gt,HHA} +
    {train,test}.txt, nir/<id>.png, IVRG_RGBNIR/Outdoor_dataset/{RGBimages,NIRimages,masks} + IVRG-nir_*_GroundTruth.csv,
    thermal/<id>.fff (FLIR FFF), RGB-Thermal-Glass/images/<id>_{rgb.png,temperature.npy,mask.png} + CSVs, synth.json
    (seed, options, SHA-256 of every file). The same seed and options give byte-identical files. RGB is PNG, not JPEG.
    """

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

    static func run(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valueOptions: ["out", "scenes", "seed", "size", "val-fraction", "objects", "glass-fraction",
                                                           "environment-ratio", "noise", "conventions"],
                                 flagOptions: ["force", "json"])
        guard args.positional.isEmpty else { throw UsageError(message: "unexpected argument '\(args.positional[0])'") }
        guard let out = args.value("out") else { throw UsageError(message: "--out is required") }
        guard let scenes = try args.positiveInt("scenes") else { throw UsageError(message: "--scenes is required") }
        guard let seed = try args.seed() else { throw UsageError(message: "--seed is required") }
        var options = SynthOptions()
        if let size = args.value("size") {
            let parts = size.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(parts.count), let w = parts[0], let h = parts.count == 2 ? parts[1] : parts[0] else {
                throw UsageError(message: "--size needs W or WxH in pixels, got '\(size)'")
            }
            (options.width, options.height) = (w, h)
        }
        if let objects = args.value("objects") {
            let parts = objects.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(parts.count), let lo = parts[0], let hi = parts.count == 2 ? parts[1] : parts[0] else {
                throw UsageError(message: "--objects needs MIN-MAX (or N), got '\(objects)'")
            }
            (options.minObjects, options.maxObjects) = (lo, hi)
        }
        if let f = try args.number("val-fraction", in: 0...0.99) { options.valFraction = f }
        if let f = try args.number("glass-fraction", in: 0...1) { options.glassFraction = f }
        if let r = try args.number("environment-ratio", in: 0...100) { options.environmentRatio = r }
        if let s = try args.number("noise", in: 0...0.5) { options.noise = s }
        if let list = args.value("conventions") {
            options.conventions = try list.split(separator: ",").map { name in
                guard let c = SynthConvention(rawValue: name.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    throw UsageError(message: "--conventions: unknown '\(name)', expected \(SynthConvention.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return c
            }
        }
        do { try options.validate() } catch let e as SynthError { throw UsageError(message: e.errorDescription ?? "\(e)") }

        let root = URL(fileURLWithPath: out)
        let start = Date()
        let reporter = LockedProgress(ProgressReporter(label: "aims synth", total: scenes, unit: "scene"))
        let manifest = try SynthDatasetWriter(seed: seed, options: options)
            .write(scenes: scenes, to: root, force: args.flag("force")) { done in reporter.update(done) }
        let summary = Summary(output: root.path, scenes: scenes, seed: seed, width: options.width, height: options.height,
                              conventions: options.conventions.map(\.rawValue), train: manifest.train.count,
                              validation: manifest.validation.count, files: manifest.files.count + 1,
                              bytes: manifest.files.reduce(0) { $0 + $1.bytes }, seconds: Date().timeIntervalSince(start))
        if args.flag("json") {
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
