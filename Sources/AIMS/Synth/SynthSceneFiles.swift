import Foundation
import ImageIO
import TensorCore
import TensorFiles
import Transforms

/// Renders one scene and writes its files in the chosen conventions (see `SynthDatasetWriter` for the layout).
struct SynthSceneFiles {
    let scene: SynthScene
    /// In the val (ZJU) / test (NYU, IVRG, RGB-T) split.
    let validation: Bool
    let noise: Double
    let noiseSeed: UInt64
    let root: URL

    /// zlib level of the PNGs: 1 (fastest). Measured on 40 scenes at 256×256, all conventions: level 6 took 8.0 s of
    /// CPU and 50.2 MB, level 1 4.4 s and 54.8 MB (the images carry sensor noise, so they compress poorly anyway).
    static let pngCompressionLevel = 1

    init(scene: SynthScene, validation: Bool, noise: Double, noiseSeed: UInt64, root: URL) {
        self.scene = scene
        self.validation = validation
        self.noise = noise
        self.noiseSeed = noiseSeed
        self.root = root
    }

    /// Writes the files; returns their paths relative to the root.
    func write(_ conventions: Set<SynthConvention>) throws -> [String] {
        let frame = SynthRenderer(scene: scene).render()
        let images = SynthImages(frame: frame, noise: noise, seed: noiseSeed)
        let id = scene.id
        var written: [String] = []
        // An image stored under several names is encoded once and copied (atomically) to the others.
        var encoded: [String: URL] = [:]
        func png(_ image: RawImage, _ path: String, key: String? = nil) throws {
            let url = root.appendingPathComponent(path)
            if let key, let first = encoded[key] {
                try AtomicFile.write(to: url) { tmp in try FileManager.default.copyItem(at: first, to: tmp) }
            } else {
                try PNGCodec.write(image, to: url, compressionLevel: Self.pngCompressionLevel)
                if let key { encoded[key] = url }
            }
            written.append(path)
        }
        func npy(_ values: [Float], _ path: String) throws {
            try NPY.write(Tensor(shape: [frame.height, frame.width], values: values), to: root.appendingPathComponent(path))
            written.append(path)
        }
        let sceneJSON = "scenes/\(id).json"
        try AtomicFile.write(try SynthDatasetWriter.json(scene), to: root.appendingPathComponent(sceneJSON))
        written.append(sceneJSON)

        let labels = images.labels()
        if !conventions.isDisjoint(with: [.mosaic, .colourMosaic, .nyu, .ivrg, .thermal]) { try png(labels, "labels/\(id).png", key: "labels") }
        let rgb = images.rgb()
        if conventions.contains(.zju) {
            let split = "zju-rgbp/" + (validation ? "val" : "train")
            for a in [0, 45, 90, 135] { try png(images.polarizer(degrees: a), "\(split)/\(a)/\(id)_\(a)°.png") }
            try png(labels, "\(split)/label_sam/\(id).png", key: "labels")
        }
        if conventions.contains(.pgsnet) {
            let split = "PGSNet/" + (validation ? "test" : "train")
            let (aolp, dolp) = images.angleAndDegree()
            try TIFFCodec.write(rgb, to: root.appendingPathComponent("\(split)/image/\(id)_rgb.tiff"))
            try TIFFCodec.write(aolp, to: root.appendingPathComponent("\(split)/aolp/\(id)_aolp.tiff"))
            try TIFFCodec.write(dolp, to: root.appendingPathComponent("\(split)/dolp/\(id)_dolp.tiff"))
            written += ["image/\(id)_rgb.tiff", "aolp/\(id)_aolp.tiff", "dolp/\(id)_dolp.tiff"].map { "\(split)/\($0)" }
            try png(labels, "\(split)/instance_mask/\(id)_instance_mask.png", key: "labels")
        }
        if conventions.contains(.mosaic) { try png(images.mosaic(layout: .sonyIMX250), "polarization/\(id).png") }
        if conventions.contains(.colourMosaic) { try png(images.colourMosaic(layout: .sonyIMX250), "polarization-rgb/\(id).png") }
        if conventions.contains(.nyu) {
            try png(rgb, "rgb/\(id).png", key: "rgb")
            try png(images.depthMillimetres(), "depth/\(id).png")
            try png(rgb, "NYUDepthv2/RGB/\(id).png", key: "rgb")
            try npy(frame.depth, "NYUDepthv2/Depth/\(id).npy")
            try png(labels, "NYUDepthv2/Mask_gt/\(id).png", key: "labels")
            let hha = try HHAEncoder(intrinsics: try scene.camera.intrinsics)
                .encode(depthMeters: Tensor(shape: [1, frame.height, frame.width], values: frame.depth)).hha
            try png(RawImage(tensor: hha, dtype: .uint8), "NYUDepthv2/HHA/\(id).png")
        }
        if conventions.contains(.ivrg) {
            let nir = images.nir()
            try png(nir, "nir/\(id).png", key: "nir")
            let base = "IVRG_RGBNIR/Outdoor_dataset"
            try png(rgb, "\(base)/RGBimages/\(id)_rgb.png", key: "rgb")
            try png(nir, "\(base)/NIRimages/\(id)_nir.png", key: "nir")
            try png(labels, "\(base)/masks/\(id)_mask.png", key: "labels")
        }
        if conventions.contains(.thermal) {
            let counts = images.thermalCounts()
            let writer = FLIRFFFWriter(planck: scene.thermalCamera.planck)
            let path = "thermal/\(id).fff"
            try writer.write(counts: counts, width: frame.width, height: frame.height, to: root.appendingPathComponent(path))
            written.append(path)
            // What the thermal camera measures (camera emissivity 1): the apparent temperature of each pixel, °C.
            let planck = scene.thermalCamera.planck
            let celsius = counts.map { Float(planck.blackbodyKelvin(rawCounts: Double($0)) - 273.15) }
            let base = "RGB-Thermal-Glass/images/\(id)"
            try png(rgb, "\(base)_rgb.png", key: "rgb")
            try npy(celsius, "\(base)_temperature.npy")
            try png(labels, "\(base)_mask.png", key: "labels")
        }
        return written
    }
}
