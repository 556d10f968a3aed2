import Foundation
import ImageIO
import TensorFiles
import Transforms

/// Renders `count` scenes of `seed` and writes them in the chosen folder conventions under one root, plus
/// `scenes/<id>.json` (ground truth) and `synth.json` (seed, options, every file with its SHA-256).
/// Same seed and options → byte-identical files. Layout (id = zero-padded scene index, split by `validationIndices`):
///
///     scenes/<id>.json                                    ground truth (SynthScene)
///     labels/<id>.png                                     8-bit instance ids (built-in modalities' labels)
///     zju-rgbp/{train,val}/{0,45,90,135}/<id>_<a>°.png    8-bit RGB behind a polarizer at a°
///     zju-rgbp/{train,val}/label_sam/<id>.png
///     polarization/<id>.png                               16-bit IMX250MZR mono mosaic [[90,45],[135,0]]
///     polarization-rgb/<id>.png                           8-bit IMX250MYR colour mosaic (RGGB of 2x2 polarizer blocks)
///     rgb/<id>.png, depth/<id>.png                        8-bit RGB; 16-bit z-depth in mm (0 = no return)
///     NYUDepthv2/{RGB,Mask_gt,HHA}/<id>.png, NYUDepthv2/Depth/<id>.npy (float32 z-depth, m), NYUDepthv2/{train,test}.txt
///     nir/<id>.png                                        8-bit NIR
///     IVRG_RGBNIR/Outdoor_dataset/{RGBimages/<id>_rgb.png, NIRimages/<id>_nir.png, masks/<id>_mask.png}
///     IVRG_RGBNIR/IVRG-nir_{train,test}_GroundTruth.csv
///     thermal/<id>.fff                                    FLIR FFF, 16-bit raw counts, camera emissivity 1
///     RGB-Thermal-Glass/images/<id>_{rgb.png,temperature.npy,mask.png}, RGB-Thermal-Glass/RGB_T_Glass_{train,test}_GroundTruth.csv
///     PGSNet/{train,test}/{image,aolp,dolp}/<id>_{rgb,aolp,dolp}.tiff    8-bit RGB, AoLP (255·AoLP/π), DoLP (255·DoLP) per colour
///     PGSNet/{train,test}/instance_mask/<id>_instance_mask.png
///     synth.json
public struct SynthDatasetWriter: Sendable {
    public var seed: UInt64
    public var options: SynthOptions

    public init(seed: UInt64, options: SynthOptions) {
        self.seed = seed
        self.options = options
    }

    /// `synth.json`.
    public struct Manifest: Sendable, Codable, Equatable {
        public struct File: Sendable, Codable, Equatable {
            /// Relative to the root, `/`-separated.
            public var path: String
            public var sha256: String
            public var bytes: Int
        }
        public var generator: String
        public var seed: UInt64
        public var scenes: Int
        public var options: SynthOptions
        public var train: [String]
        /// The val (ZJU) / test (NYU, IVRG, RGB-T) split.
        public var validation: [String]
        public var files: [File]
    }

    /// Writes everything under `root` (created if missing). `progress` is called with the number of finished scenes
    /// (from any thread, serialised).
    /// - Throws: `SynthError.outputNotEmpty` when `root` holds files and `force` is false; `SynthError.invalidOption`;
    ///   file errors naming the file.
    @discardableResult
    public func write(scenes count: Int, to root: URL, force: Bool = false,
                      progress: (@Sendable (Int) -> Void)? = nil) throws -> Manifest {
        try options.validate()
        guard count >= 1 else { throw SynthError.invalidOption(field: "scenes", expected: "≥ 1", got: "\(count)") }
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: root.path), !existing.isEmpty, !force {
            throw SynthError.outputNotEmpty(path: root.path)
        }
        let sampler = SynthSceneSampler(seed: seed, options: options)
        let validation = sampler.validationIndices(count: count)
        let ids = (0..<count).map { SynthSceneSampler.id(index: $0, count: count) }
        let conventions = Set(options.conventions)
        try Self.createDirectories(conventions, under: root)

        let state = SharedState(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            guard !state.failed else { return }
            do {
                let scene = sampler.scene(index: i, count: count)
                let files = try SynthSceneFiles(scene: scene, validation: validation.contains(i), noise: options.noise,
                                                noiseSeed: seed &+ UInt64(i) &* 0x9E37_79B9, root: root).write(conventions)
                state.finish(i, files: files, progress: progress)
            } catch {
                state.fail(error)
            }
        }
        if let error = state.error { throw error }

        var files = state.files.flatMap { $0 }
        let train = ids.indices.filter { !validation.contains($0) }.map { ids[$0] }
        let val = ids.indices.filter { validation.contains($0) }.map { ids[$0] }
        files += try writeLists(conventions, root: root, train: train, validation: val)
        var entries: [Manifest.File] = []
        for path in files.sorted() {
            let url = root.appendingPathComponent(path)
            let attributes = try? fm.attributesOfItem(atPath: url.path)
            entries.append(Manifest.File(path: path, sha256: try SHA256.hex(fileAt: url),
                                         bytes: (attributes?[.size] as? NSNumber)?.intValue ?? 0))
        }
        let manifest = Manifest(generator: "aims synth 1", seed: seed, scenes: count, options: options, train: train,
                                validation: val, files: entries)
        try AtomicFile.write(try Self.json(manifest), to: root.appendingPathComponent("synth.json"))
        return manifest
    }

    /// Renders `scene` and writes its per-scene files (no split lists, no `synth.json`) under `root`, creating folders.
    /// - Parameters:
    ///   - validation: put it in the val/test split of the ZJU folders.
    ///   - noise: sensor noise, fraction of full scale; `noiseSeed` seeds it.
    /// - Returns: the written paths, relative to `root`.
    public static func writeScene(_ scene: SynthScene, validation: Bool = false, noise: Double = 0, noiseSeed: UInt64 = 0,
                                  conventions: [SynthConvention] = SynthConvention.allCases, to root: URL) throws -> [String] {
        try createDirectories(Set(conventions), under: root)
        return try SynthSceneFiles(scene: scene, validation: validation, noise: noise, noiseSeed: noiseSeed, root: root)
            .write(Set(conventions))
    }

    static func createDirectories(_ conventions: Set<SynthConvention>, under root: URL) throws {
        for dir in directories(conventions) {
            let url = root.appendingPathComponent(dir)
            do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
                throw SynthError.write(file: url.path, message: error.localizedDescription)
            }
        }
    }

    /// Sorted-key, pretty JSON with a final newline.
    static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    static func directories(_ c: Set<SynthConvention>) -> [String] {
        var d = ["scenes"]
        if !c.isDisjoint(with: [.mosaic, .colourMosaic, .nyu, .ivrg, .thermal]) { d.append("labels") }
        if c.contains(.zju) {
            for split in ["train", "val"] { d += ["0", "45", "90", "135", "label_sam"].map { "zju-rgbp/\(split)/\($0)" } }
        }
        if c.contains(.mosaic) { d.append("polarization") }
        if c.contains(.colourMosaic) { d.append("polarization-rgb") }
        if c.contains(.nyu) { d += ["rgb", "depth", "NYUDepthv2/RGB", "NYUDepthv2/Depth", "NYUDepthv2/Mask_gt", "NYUDepthv2/HHA"] }
        if c.contains(.ivrg) {
            d += ["nir"] + ["RGBimages", "NIRimages", "masks"].map { "IVRG_RGBNIR/Outdoor_dataset/\($0)" }
        }
        if c.contains(.thermal) { d += ["thermal", "RGB-Thermal-Glass/images"] }
        if c.contains(.pgsnet) {
            for split in ["train", "test"] { d += ["image", "aolp", "dolp", "instance_mask"].map { "PGSNet/\(split)/\($0)" } }
        }
        return d
    }

    /// NYU `train.txt`/`test.txt` (tab-separated RGB, depth, mask), IVRG and RGB-T ground-truth CSVs (header `image,mask`).
    func writeLists(_ c: Set<SynthConvention>, root: URL, train: [String], validation: [String]) throws -> [String] {
        var written: [String] = []
        func put(_ path: String, _ lines: [String]) throws {
            try AtomicFile.write(Data(lines.map { $0 + "\n" }.joined().utf8), to: root.appendingPathComponent(path))
            written.append(path)
        }
        for (name, ids) in [("train", train), ("test", validation)] {
            if c.contains(.nyu) {
                try put("NYUDepthv2/\(name).txt", ids.map { "RGB/\($0).png\tDepth/\($0).npy\tMask_gt/\($0).png" })
            }
            if c.contains(.ivrg) {
                try put("IVRG_RGBNIR/IVRG-nir_\(name)_GroundTruth.csv",
                        ["image,mask"] + ids.map { "NIRimages/\($0)_nir.png,masks/\($0)_mask.png" })
            }
            if c.contains(.thermal) {
                try put("RGB-Thermal-Glass/RGB_T_Glass_\(name)_GroundTruth.csv",
                        ["image,mask"] + ids.map { "RGB-Thermal-Glass/images/\($0)_rgb.png,RGB-Thermal-Glass/images/\($0)_mask.png" })
            }
        }
        return written
    }
}

/// Results gathered from the concurrent scene loop.
private final class SharedState: @unchecked Sendable {
    private let lock = NSLock()
    private var _files: [[String]]
    private var _error: Error?
    private var done = 0

    init(count: Int) { _files = Array(repeating: [], count: count) }

    var failed: Bool { lock.withLock { _error != nil } }
    var error: Error? { lock.withLock { _error } }
    var files: [[String]] { lock.withLock { _files } }

    func finish(_ i: Int, files: [String], progress: ((Int) -> Void)?) {
        lock.withLock {
            _files[i] = files
            done += 1
            progress?(done)
        }
    }

    func fail(_ e: Error) { lock.withLock { if _error == nil { _error = e } } }
}
