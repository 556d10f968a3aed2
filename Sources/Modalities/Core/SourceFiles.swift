import Foundation
import ImageIO
import TensorCore
import TensorFiles

/// Opening a sample's files with the ImageIO and Tensor readers, errors named by the dataset-relative path.
public enum SourceFiles {
    /// `root/path`, after checking that the file exists.
    public static func url(_ path: String, root: URL, sample: String? = nil) throws -> URL {
        let url = root.appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ModalityError.missingFile(file: path, sample: sample ?? path)
        }
        return url
    }

    /// A PNG, JPEG, TIFF or PNM image in its native dtype (`page` for multi-page TIFF).
    public static func image(_ path: String, root: URL, page: Int = 0, sample: String? = nil) throws -> RawImage {
        let u = try url(path, root: root, sample: sample)
        return try ModalityError.wrapping(path) { try ImageReader.read(u, page: page) }
    }

    /// The single array of an `.npy` file (or the first tensor of a safetensors / `.pth` file), as Float32.
    public static func array(_ path: String, root: URL, sample: String? = nil) throws -> Tensor {
        let u = try url(path, root: root, sample: sample)
        let archive = try ModalityError.wrapping(path) { try TensorFiles.read(u) }
        guard let first = archive.tensors.first else {
            throw ModalityError.invalidContent(file: path, field: "tensors", expected: "at least one array", got: "none")
        }
        return first.tensor
    }

    /// `[H, W]`, `[1, H, W]` → `[1, H, W]`; anything else is an error naming `field`.
    static func singlePlane(_ t: Tensor, file: String, field: String) throws -> Tensor {
        let s = t.shape
        if s.count == 2 { return t.reshaped([1, s[0], s[1]]) }
        if s.count == 3, s[0] == 1 { return t }
        throw ModalityError.invalidContent(file: file, field: field, expected: "[H, W] or [1, H, W]", got: "\(s)")
    }

    /// True when the file's content (not its name) is a PNG, JPEG, TIFF or PNM image (a FLIR R-JPEG too).
    public static func isRasterImage(_ url: URL) -> Bool { ImageReader.sniff(url) != nil }

    /// True when the file starts with the NPY magic `\x93NUMPY`.
    public static func isNPY(_ url: URL) -> Bool {
        guard let h = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? h.close() }
        let prefix = (try? h.read(upToCount: 6)) ?? Data()
        return prefix == Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59])
    }
}
