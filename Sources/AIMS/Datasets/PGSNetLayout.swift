import Foundation

/// PGSNet (docs/REFERENCE.md §7): `{train,test}/image/*tiff` (sorted) define the samples; AoLP and DoLP paths are the
/// image path with `image` → `aolp`/`dolp` and `rgb` → `aolp`/`dolp`, the label with `image` → `instance_mask` and
/// `rgb.tiff` → `instance_mask.png`, each `replace` hitting every occurrence as Python's `str.replace` does (here on
/// the root-relative path; the reference applies it to the full path, so a root containing `image` or `rgb` breaks
/// it). Ids `20210808013065` and `20210811002205` are skipped (broken files in the reference's copy). Ids are
/// `<split>/<file stem>`. Threshold 100.
public struct PGSNetLayout: DatasetLayout {
    public static let skippedIDs = ["20210808013065", "20210811002205"]
    public init() {}
    public var name: String { "pgsnet" }
    public var regionThreshold: Int? { 100 }
    public var modalityRoles: [String: [String]] {
        ["pgsnet_rgbp": ["rgb", "aolp", "dolp"], "pgsnet_p": ["aolp", "dolp"], "rgb": ["rgb"]]
    }

    /// Python's `str.replace(old, new)` (every occurrence).
    static func replace(_ s: String, _ old: String, _ new: String) -> String { s.replacingOccurrences(of: old, with: new) }

    public func entries(in root: URL) throws -> (entries: [LayoutEntry], problems: [ValidationIssue], quirks: [ValidationIssue], splitSource: String) {
        var entries: [LayoutEntry] = [], quirks: [ValidationIssue] = []
        for split in ["train", "test"] {
            let dir = "\(split)/image"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path) else {
                throw ManifestError.missingLayoutFile(file: dir, layout: name)
            }
            for file in names.sorted() where file.hasSuffix("tiff") && !file.hasPrefix(".") {
                let path = "\(dir)/\(file)"
                var stem = LayoutFiles.stem(file)
                if stem.hasSuffix("_rgb") { stem = String(stem.dropLast(4)) }
                if let skip = Self.skippedIDs.first(where: { path.contains($0) }) {
                    quirks.append(ValidationIssue(file: path, sample: "\(split)/\(stem)", problem: .referenceQuirk,
                                                  detail: "skipped: the reference skips id \(skip) (broken files)"))
                    continue
                }
                let roles = ["rgb": path,
                             "aolp": Self.replace(Self.replace(path, "image", "aolp"), "rgb", "aolp"),
                             "dolp": Self.replace(Self.replace(path, "image", "dolp"), "rgb", "dolp")]
                let label = Self.replace(Self.replace(path, "image", "instance_mask"), "rgb.tiff", "instance_mask.png")
                entries.append(LayoutEntry(split: split, id: "\(split)/\(stem)", roles: roles, label: label))
            }
        }
        return (entries, [], quirks, "folders train / test")
    }
}
