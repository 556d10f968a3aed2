import Foundation

/// ZJU-RGBP (docs/REFERENCE.md §7): `{train,val}/label_sam/<n>.png` define the samples (the reference's test split is
/// `val`), images `{train,val}/{0,45,90,135}/<n>_<a>°.png`. Ids are `train/<n>` and `test/<n>`; listing sorted
/// (the reference uses unsorted `os.listdir`). Threshold 10000.
public struct ZJURGBPLayout: DatasetLayout {
    public init() {}
    public var name: String { "zju-rgbp" }
    public var regionThreshold: Int? { 10000 }
    public var modalityRoles: [String: [String]] {
        let angles = ["0", "45", "90", "135"]
        return ["zju-rgbp": angles, "polarization-4angle": angles, "rgb": ["0"]]
    }

    public func entries(in root: URL) throws -> (entries: [LayoutEntry], problems: [ValidationIssue], quirks: [ValidationIssue], splitSource: String) {
        var entries: [LayoutEntry] = []
        for (folder, split) in [("train", "train"), ("val", "test")] {
            let labelDir = "\(folder)/label_sam"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(labelDir).path) else {
                throw ManifestError.missingLayoutFile(file: labelDir, layout: name)
            }
            for file in names.sorted() where file.lowercased().hasSuffix(".png") && !file.hasPrefix(".") {
                let n = LayoutFiles.stem(file)
                var roles: [String: String] = [:]
                for a in ["0", "45", "90", "135"] { roles[a] = "\(folder)/\(a)/\(n)_\(a)°.png" }
                entries.append(LayoutEntry(split: split, id: "\(split)/\(n)", roles: roles, label: "\(labelDir)/\(file)"))
            }
        }
        let quirk = ValidationIssue(file: "val", problem: .referenceQuirk,
                                    detail: "the reference evaluates on val as its test split and lists files in os.listdir order (here sorted)")
        return (entries, [], [quirk], "folders train / val (val is the test split)")
    }
}
