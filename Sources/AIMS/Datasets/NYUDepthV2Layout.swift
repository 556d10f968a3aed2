import Foundation

/// NYUDepthv2 (docs/REFERENCE.md §7): `train.txt` / `test.txt`, first tab-separated field the RGB image path (e.g.
/// `RGB/12.jpg`, any extension); id = its stem; `Depth/<id>.npy`, `HHA/<id>.*`, `Mask_gt/<id>.png`. The reference
/// replaces `RGB/1133.jpg` and `RGB/398.jpg` (broken in its copy) by `RGB/1134.jpg`; here the sample's own file is
/// used (and reported if it cannot be read) and the replacement is noted. No region threshold.
public struct NYUDepthV2Layout: DatasetLayout {
    public static let replacedRGB = ["1133", "398"]
    public init() {}
    public var name: String { "nyudepthv2" }
    public var regionThreshold: Int? { nil }
    public var modalityRoles: [String: [String]] {
        ["rgbd": ["rgb", "depth"], "d": ["depth"], "hha": ["hha"], "rgbhha": ["rgb", "hha"], "rgb": ["rgb"]]
    }

    public func entries(in root: URL) throws -> (entries: [LayoutEntry], problems: [ValidationIssue], quirks: [ValidationIssue], splitSource: String) {
        let hhaFiles = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("HHA").path)) ?? []
        var hhaByID: [String: String] = [:]
        for f in hhaFiles.sorted() where !f.hasPrefix(".") { hhaByID[LayoutFiles.stem(f)] = hhaByID[LayoutFiles.stem(f)] ?? "HHA/\(f)" }
        var entries: [LayoutEntry] = [], problems: [ValidationIssue] = [], quirks: [ValidationIssue] = []
        for split in ["train", "test"] {
            let list = "\(split).txt"
            for (number, line) in LayoutFiles.lines(try LayoutFiles.text(list, root: root, layout: name)) {
                let rgb = String(line.split(separator: "\t", omittingEmptySubsequences: false).first ?? "")
                    .trimmingCharacters(in: .whitespaces)
                guard LayoutFiles.looksLikeFile(rgb) else {
                    problems.append(ValidationIssue(file: list, problem: .badListEntry,
                                                    detail: "line \(number): expected an image path in the first tab field, got \"\(rgb)\""))
                    continue
                }
                let id = LayoutFiles.stem(rgb)
                if Self.replacedRGB.contains(id) {
                    quirks.append(ValidationIssue(file: rgb, sample: id, problem: .referenceQuirk,
                                                  detail: "the reference reads RGB/1134.jpg instead of this file (broken in its copy); used as is here"))
                }
                entries.append(LayoutEntry(split: split, id: id,
                                           roles: ["rgb": rgb, "depth": "Depth/\(id).npy", "hha": hhaByID[id] ?? "HHA/\(id).jpg"],
                                           label: "Mask_gt/\(id).png"))
            }
        }
        return (entries, problems, quirks, "train.txt / test.txt")
    }
}
