import Foundation

/// Reading the image/mask CSV lists of IVRG RGB-NIR and RGB-Thermal-Glass: per row, the first field that is a
/// file path (known image or array extension) is the image, the next one the mask; a header row (no file path)
/// or an index column is skipped. The reference reads them with pandas (`encoding='gbk'`).
enum CSVLists {
    struct Row { var line: Int; var image: String; var mask: String }

    static func rows(_ list: String, root: URL, layout: String) throws -> (rows: [Row], problems: [ValidationIssue]) {
        var rows: [Row] = [], problems: [ValidationIssue] = []
        for (i, (number, line)) in LayoutFiles.lines(try LayoutFiles.text(list, root: root, layout: layout)).enumerated() {
            let files = LayoutFiles.csvFields(line).filter(LayoutFiles.looksLikeFile)
            if files.count >= 2 {
                rows.append(Row(line: number, image: files[0], mask: files[1]))
            } else if i > 0 || !files.isEmpty {
                problems.append(ValidationIssue(file: list, problem: .badListEntry,
                                                detail: "line \(number): expected an image path and a mask path, got \"\(line)\""))
            }
        }
        return (rows, problems)
    }

    /// A CSV path made root-relative: as given when it exists under `root`; else the part after `anchor/` (the
    /// dataset folder's name) or after leading `./`; else as given (then reported missing).
    static func resolve(_ path: String, root: URL, anchor: String) -> String {
        var p = path.replacingOccurrences(of: "\\", with: "/")
        if LayoutFiles.exists(p, root: root) { return p }
        if let r = p.range(of: anchor + "/", options: .backwards) {
            let rest = String(p[r.upperBound...])
            if LayoutFiles.exists(rest, root: root) { return rest }
        }
        while p.hasPrefix("./") { p.removeFirst(2) }
        var parts = p.split(separator: "/").map(String.init)
        while parts.count > 1 {
            parts.removeFirst()
            let candidate = parts.joined(separator: "/")
            if LayoutFiles.exists(candidate, root: root) { return candidate }
        }
        return p.hasPrefix("/") ? String(p.dropFirst()) : p
    }
}

/// IVRG RGB-NIR (docs/REFERENCE.md §7): `IVRG-nir_{train,test}_GroundTruth.csv`, image (NIR) and mask paths relative to
/// `Outdoor_dataset/`; the RGB path is the NIR path with `NIRimages` → `RGBimages` and `_nir` → `_rgb` (every
/// occurrence). Id: the NIR path without `Outdoor_dataset/`, the `NIRimages` folder, the extension and `_nir`.
/// Threshold 1000.
public struct IVRGRGBNIRLayout: DatasetLayout {
    public init() {}
    public var name: String { "ivrg-rgbnir" }
    public var regionThreshold: Int? { 1000 }
    public var modalityRoles: [String: [String]] { ["nir-ivrg": ["nir"], "rgbnir": ["rgb", "nir"], "rgb": ["rgb"]] }

    public func entries(in root: URL) throws -> (entries: [LayoutEntry], problems: [ValidationIssue], quirks: [ValidationIssue], splitSource: String) {
        var entries: [LayoutEntry] = [], problems: [ValidationIssue] = []
        for split in ["train", "test"] {
            let list = "IVRG-nir_\(split)_GroundTruth.csv"
            let parsed = try CSVLists.rows(list, root: root, layout: name)
            problems += parsed.problems
            for row in parsed.rows {
                let nir = Self.underOutdoor(row.image, root: root)
                let rgb = nir.replacingOccurrences(of: "NIRimages", with: "RGBimages").replacingOccurrences(of: "_nir", with: "_rgb")
                var idPath = nir.hasPrefix("Outdoor_dataset/") ? String(nir.dropFirst("Outdoor_dataset/".count)) : nir
                if let dot = idPath.lastIndex(of: "."), !idPath[dot...].contains("/") { idPath = String(idPath[..<dot]) }
                var id = idPath.split(separator: "/").filter { $0 != "NIRimages" }.joined(separator: "/")
                if id.hasSuffix("_nir") { id = String(id.dropLast(4)) }
                entries.append(LayoutEntry(split: split, id: id, roles: ["nir": nir, "rgb": rgb], label: Self.underOutdoor(row.mask, root: root)))
            }
        }
        return (entries, problems, [], "IVRG-nir_train_GroundTruth.csv / IVRG-nir_test_GroundTruth.csv")
    }

    /// `Outdoor_dataset/<path>` (the reference's join), or the path as given when it already starts with
    /// `Outdoor_dataset/` or only exists as given.
    static func underOutdoor(_ path: String, root: URL) -> String {
        if path.hasPrefix("Outdoor_dataset/") { return path }
        let joined = "Outdoor_dataset/" + path
        return !LayoutFiles.exists(joined, root: root) && LayoutFiles.exists(path, root: root) ? path : joined
    }
}

/// RGB-Thermal-Glass (docs/REFERENCE.md §7): `RGB_T_Glass_{train,test}_GroundTruth.csv`, RGB (`…rgb.png`) and mask
/// paths. The reference uses them as given, relative to its working directory (not joined to the data path);
/// here a path is taken as given when it exists under the root, else from after `RGB-Thermal-Glass/` or with
/// leading folders dropped until it does (noted). Thermal = the RGB path with `rgb.png` → `temperature.npy`.
/// Id: the RGB path without `rgb.png` (and a trailing `_`). No region threshold.
public struct RGBThermalGlassLayout: DatasetLayout {
    public init() {}
    public var name: String { "rgb-thermal-glass" }
    public var regionThreshold: Int? { nil }
    public var modalityRoles: [String: [String]] { ["t": ["t"], "rgbt": ["rgb", "t"], "rgb": ["rgb"]] }

    public func entries(in root: URL) throws -> (entries: [LayoutEntry], problems: [ValidationIssue], quirks: [ValidationIssue], splitSource: String) {
        var entries: [LayoutEntry] = [], problems: [ValidationIssue] = [], quirks: [ValidationIssue] = []
        for split in ["train", "test"] {
            let list = "RGB_T_Glass_\(split)_GroundTruth.csv"
            let parsed = try CSVLists.rows(list, root: root, layout: name)
            problems += parsed.problems
            for row in parsed.rows {
                let rgb = CSVLists.resolve(row.image, root: root, anchor: "RGB-Thermal-Glass")
                let mask = CSVLists.resolve(row.mask, root: root, anchor: "RGB-Thermal-Glass")
                if rgb != row.image || mask != row.mask {
                    quirks.append(ValidationIssue(file: list, problem: .referenceQuirk,
                                                  detail: "line \(row.line): \"\(row.image)\" read as \(rgb) under the root (the reference uses CSV paths relative to its working directory)"))
                }
                let thermal = rgb.replacingOccurrences(of: "rgb.png", with: "temperature.npy")
                var id = rgb.hasSuffix("rgb.png") ? String(rgb.dropLast(7)) : LayoutFiles.stem(rgb)
                while id.hasSuffix("_") || id.hasSuffix("-") { id.removeLast() }
                entries.append(LayoutEntry(split: split, id: id, roles: ["rgb": rgb, "t": thermal], label: mask))
            }
        }
        return (entries, problems, quirks, "RGB_T_Glass_train_GroundTruth.csv / RGB_T_Glass_test_GroundTruth.csv")
    }
}
