import Foundation
import ImageIO
import TensorCore
import TensorFiles

/// The control of the benchmark: a copy of an RGB-X dataset whose non-RGB files hold seeded uniform noise of the
/// same format (an 8/16-bit PNG: every sample uniform over the type's range; an NPY: uniform between the array's
/// own minimum and maximum). Labels and RGB stay as they are, so whatever a method gains over RGB alone on this
/// copy cannot come from the other sensor.
enum NoiseControl {
    /// Copies `root` to `copy` (replaced if present) and overwrites the files of every role but `rgb` that
    /// `layout` lists for `modality`. Returns the number of files replaced.
    /// - Throws: `BenchmarkError.noNoiseChannels` when the modality has no `rgb` role or nothing else;
    ///   `BenchmarkError.unsupportedNoiseFile` for a file that is neither PNG nor NPY; read/write errors naming the file.
    static func write(root: URL, copy: URL, layout: any DatasetLayout, modality: String, seed: UInt64) throws -> Int {
        guard let roles = layout.modalityRoles[modality], roles.contains("rgb"), roles.count > 1 else {
            throw BenchmarkError.noNoiseChannels(modality: modality)
        }
        let fm = FileManager.default
        if fm.fileExists(atPath: copy.path) { try fm.removeItem(at: copy) }
        try fm.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fm.copyItem(at: root, to: copy)
        let files = try layout.entries(in: copy).entries.flatMap { e in roles.filter { $0 != "rgb" }.compactMap { e.roles[$0] } }
        for (k, file) in Set(files).sorted().enumerated() {
            var g = SynthRandom(seed: seed, stream: UInt64(k))
            let url = copy.appendingPathComponent(file)
            switch url.pathExtension.lowercased() {
            case "png":
                var image = try PNGCodec.read(url)
                let maximum: UInt64 = image.dtype == .uint16 ? 65535 : 255
                var samples = [Double](repeating: 0, count: image.sampleCount)
                for i in samples.indices { samples[i] = Double(g.next() % (maximum + 1)) }
                image = RawImage(tensor: Tensor(shape: [image.channels, image.height, image.width], values: samples.map(Float.init)), dtype: image.dtype)
                try PNGCodec.write(image, to: url)
            case "npy":
                guard let array = try NPY.read(url).tensors.first?.tensor else { throw BenchmarkError.unsupportedNoiseFile(file: url.path) }
                let values = array.scalars
                let lo = Double(values.min() ?? 0), hi = Double(values.max() ?? 1)
                try NPY.write(Tensor(shape: array.shape, values: values.map { _ in Float(g.uniform(lo, hi)) }), to: url)
            default:
                throw BenchmarkError.unsupportedNoiseFile(file: url.path)
            }
        }
        return Set(files).count
    }
}
