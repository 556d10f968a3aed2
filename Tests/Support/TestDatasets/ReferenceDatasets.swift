import Foundation
import ImageIO
import TensorCore
import TensorFiles

/// Tiny folders in the layouts of SimCMF's five public datasets (docs/REFERENCE.md §7), written for the tests of
/// `aims build`. Pixel values are known functions of (sample, channel, y, x) so tests can recompute statistics;
/// labels hold a 3 x 3 square of value 1 at (1, 1) and a 2 x 2 square of value 2 at (5, 5) (8 x 8 images), or are
/// all background for ids listed in `empty`.
public enum ReferenceDatasets {
    public static let side = 8

    /// A fresh temporary folder.
    public static func temporaryRoot(_ name: String) throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("aims-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    /// The stored 8-bit value of channel `c` at (y, x) of the image with numeric key `key`.
    public static func value(key: Int, channel c: Int, y: Int, x: Int) -> Int { (key * 31 + c * 57 + y * 13 + x * 7) % 256 }

    /// `[channels, side, side]` of `value(...)`.
    public static func image(key: Int, channels: Int, channelOffset: Int = 0, side: Int = side) -> Tensor {
        var v = [Float](repeating: 0, count: channels * side * side)
        for c in 0..<channels { for y in 0..<side { for x in 0..<side { v[(c * side + y) * side + x] = Float(value(key: key, channel: c + channelOffset, y: y, x: x)) } } }
        return Tensor(shape: [channels, side, side], values: v)
    }

    /// The label `[1, side, side]`: value 1 on rows/cols 1...3, value 2 on rows/cols 5...6 (none when `empty`).
    public static func label(side: Int = side, empty: Bool = false) -> Tensor {
        var v = [Float](repeating: 0, count: side * side)
        if !empty {
            for y in 1...3 { for x in 1...3 where y < side && x < side { v[y * side + x] = 1 } }
            for y in 5...6 { for x in 5...6 where y < side && x < side { v[y * side + x] = 2 } }
        }
        return Tensor(shape: [1, side, side], values: v)
    }

    /// Depth / temperature array `[side, side]`: `1000 + 7 k` at raster index k (exact in Float32).
    public static func ramp(side: Int = side, key: Int = 0) -> Tensor {
        Tensor(shape: [side, side], values: (0..<(side * side)).map { Float(1000 + 7 * $0 + key) })
    }

    static func png(_ t: Tensor, _ root: URL, _ path: String) throws {
        let u = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PNGCodec.write(RawImage(tensor: t, dtype: .uint8), to: u)
    }

    static func tiff(_ t: Tensor, _ root: URL, _ path: String) throws {
        let u = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try TIFFCodec.write(RawImage(tensor: t, dtype: .uint8), to: u)
    }

    static func npy(_ t: Tensor, _ root: URL, _ path: String) throws {
        let u = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        try NPY.write(t, to: u)
    }

    static func text(_ s: String, _ root: URL, _ path: String) throws {
        try Data(s.utf8).write(to: root.appendingPathComponent(path))
    }

    /// ZJU-RGBP: `{train,val}/{0,45,90,135}/<n>_<a>°.png` (RGB; angle a uses channel offset a/45 * 3) + `label_sam/<n>.png`.
    public static func zju(at root: URL, train: [Int], val: [Int]) throws {
        for (folder, ids) in [("train", train), ("val", val)] {
            for n in ids {
                for (k, a) in [0, 45, 90, 135].enumerated() { try png(image(key: n, channels: 3, channelOffset: 3 * k), root, "\(folder)/\(a)/\(n)_\(a)°.png") }
                try png(label(), root, "\(folder)/label_sam/\(n).png")
            }
        }
    }

    /// PGSNet: `{split}/image/<id>_rgb.tiff`, `aolp/<id>_aolp.tiff`, `dolp/<id>_dolp.tiff` (3-channel 8-bit; keys 0, 1, 2
    /// as channel offsets 0, 3, 6 of the numeric key), `instance_mask/<id>_instance_mask.png`.
    public static func pgsnet(at root: URL, train: [String], test: [String]) throws {
        for (split, ids) in [("train", train), ("test", test)] {
            for id in ids {
                let key = Int(id.suffix(4)) ?? 0
                try tiff(image(key: key, channels: 3), root, "\(split)/image/\(id)_rgb.tiff")
                try tiff(image(key: key, channels: 3, channelOffset: 3), root, "\(split)/aolp/\(id)_aolp.tiff")
                try tiff(image(key: key, channels: 3, channelOffset: 6), root, "\(split)/dolp/\(id)_dolp.tiff")
                try png(label(), root, "\(split)/instance_mask/\(id)_instance_mask.png")
            }
        }
    }

    /// NYUDepthv2: `RGB/<n>.png`, `Depth/<n>.npy` (`ramp(key: n)`), `Mask_gt/<n>.png`, `train.txt` / `test.txt`
    /// (`RGB/<n>.png<TAB>Mask_gt/<n>.png`). Ids in `empty` get an all-background label.
    public static func nyu(at root: URL, train: [Int], test: [Int], empty: Set<Int> = []) throws {
        for (split, ids) in [("train", train), ("test", test)] {
            var lines = ""
            for n in ids {
                try png(image(key: n, channels: 3), root, "RGB/\(n).png")
                try npy(ramp(key: n), root, "Depth/\(n).npy")
                try png(label(empty: empty.contains(n)), root, "Mask_gt/\(n).png")
                lines += "RGB/\(n).png\tMask_gt/\(n).png\r\n"
            }
            try text(lines, root, "\(split).txt")
        }
    }

    /// IVRG: `Outdoor_dataset/<scene>/{NIRimages/<n>_nir.png (grey), RGBimages/<n>_rgb.png, masks/<n>_mask.png}` and
    /// the CSVs `IVRG-nir_{train,test}_GroundTruth.csv` (header, then `<scene>/NIRimages/<n>_nir.png,<scene>/masks/<n>_mask.png`).
    public static func ivrg(at root: URL, train: [(scene: String, n: Int)], test: [(scene: String, n: Int)]) throws {
        for (split, ids) in [("train", train), ("test", test)] {
            var csv = "image,mask\n"
            for (scene, n) in ids {
                try png(image(key: n, channels: 1, channelOffset: 3), root, "Outdoor_dataset/\(scene)/NIRimages/\(String(format: "%04d", n))_nir.png")
                try png(image(key: n, channels: 3), root, "Outdoor_dataset/\(scene)/RGBimages/\(String(format: "%04d", n))_rgb.png")
                try png(label(), root, "Outdoor_dataset/\(scene)/masks/\(String(format: "%04d", n))_mask.png")
                csv += "\(scene)/NIRimages/\(String(format: "%04d", n))_nir.png,\(scene)/masks/\(String(format: "%04d", n))_mask.png\n"
            }
            try text(csv, root, "IVRG-nir_\(split)_GroundTruth.csv")
        }
    }

    /// RGB-Thermal-Glass: `<scene>/<n>_rgb.png`, `<scene>/<n>_temperature.npy` (`ramp(key: n)`), `<scene>/<n>_mask.png`,
    /// and CSVs whose paths are relative to the reference's working directory (`./data/RGB-Thermal-Glass/<scene>/…`).
    public static func rgbt(at root: URL, train: [(scene: String, n: Int)], test: [(scene: String, n: Int)]) throws {
        for (split, ids) in [("train", train), ("test", test)] {
            var csv = "rgb,mask\n"
            for (scene, n) in ids {
                try png(image(key: n, channels: 3), root, "\(scene)/\(n)_rgb.png")
                try npy(ramp(key: n), root, "\(scene)/\(n)_temperature.npy")
                try png(label(), root, "\(scene)/\(n)_mask.png")
                csv += "./data/RGB-Thermal-Glass/\(scene)/\(n)_rgb.png,./data/RGB-Thermal-Glass/\(scene)/\(n)_mask.png\n"
            }
            try text(csv, root, "RGB_T_Glass_\(split)_GroundTruth.csv")
        }
    }
}
