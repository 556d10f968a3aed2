import Foundation
import Modalities

/// One sample a layout found: its official split, id, and the path of each file role (`rgb`, `depth`, `0`, ...)
/// relative to the dataset root, before any file is checked.
public struct LayoutEntry: Sendable, Equatable {
    public var split: String
    public var id: String
    public var roles: [String: String]
    public var label: String?

    public init(split: String, id: String, roles: [String: String], label: String?) {
        self.split = split; self.id = id; self.roles = roles; self.label = label
    }
}

/// What a layout found under a root: samples with the modality's files (in decode order) and their split, plus
/// the problems and reference quirks met while listing.
public struct LayoutListing: Sendable {
    public var samples: [(split: String, files: SampleFiles)]
    public var problems: [ValidationIssue]
    public var quirks: [ValidationIssue]
    /// Where the split comes from; `official` false means the builder splits by seeded ratio.
    public var splitSource: String
    public var official: Bool
}

/// How a public dataset is laid out on disk (docs/REFERENCE.md §7): its official splits, file roles, the modalities
/// that can read it (and which roles each takes, in order), its region threshold and the reference's quirks.
public protocol DatasetLayout: Sendable {
    /// `zju-rgbp`, `pgsnet`, `nyudepthv2`, `ivrg-rgbnir`, `rgb-thermal-glass`, `generic`.
    var name: String { get }
    /// The reference's CNT_THRESHOLD (pixels at 1024 x 1024), nil when it has none.
    var regionThreshold: Int? { get }
    /// Modality identifier → the file roles it decodes, in input order.
    var modalityRoles: [String: [String]] { get }
    /// The samples with the roles of every file, their split, and list problems/quirks.
    func entries(in root: URL) throws -> (entries: [LayoutEntry], problems: [ValidationIssue], quirks: [ValidationIssue], splitSource: String)
    /// Samples for `modality`. The default resolves `entries` through `modalityRoles`, reporting missing files.
    func list(root: URL, modality: any Modality) throws -> LayoutListing
}

extension DatasetLayout {
    public func list(root: URL, modality: any Modality) throws -> LayoutListing {
        guard let roles = modalityRoles[modality.identifier] else {
            throw ManifestError.invalidSetting(field: "--modality for the \(name) layout",
                                               expected: "one of \(modalityRoles.keys.sorted().joined(separator: ", "))", got: modality.identifier)
        }
        let found = try entries(in: root)
        var problems = found.problems
        var samples: [(split: String, files: SampleFiles)] = []
        for e in found.entries {
            var inputs: [String] = []
            var ok = true
            for role in roles {
                guard let path = e.roles[role] else {
                    problems.append(ValidationIssue(file: e.id, sample: e.id, problem: .missing, detail: "no \(role) file for this sample")); ok = false; continue
                }
                if !LayoutFiles.exists(path, root: root) {
                    problems.append(ValidationIssue(file: path, sample: e.id, problem: .missing, detail: "\(role) file does not exist")); ok = false
                }
                inputs.append(path)
            }
            if let label = e.label, !LayoutFiles.exists(label, root: root) {
                problems.append(ValidationIssue(file: label, sample: e.id, problem: .missing, detail: "label file does not exist")); ok = false
            }
            if e.label == nil {
                problems.append(ValidationIssue(file: inputs.first ?? e.id, sample: e.id, problem: .noLabel, detail: "no label map for this sample")); ok = false
            }
            if ok { samples.append((e.split, SampleFiles(id: e.id, inputs: inputs, label: e.label))) }
        }
        return LayoutListing(samples: samples, problems: problems, quirks: found.quirks, splitSource: found.splitSource, official: true)
    }
}

/// File helpers for layouts.
public enum LayoutFiles {
    public static func exists(_ path: String, root: URL) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &dir) && !dir.boolValue
    }

    /// The text of a list file (UTF-8, else GBK-compatible Latin-1 fallback), or `missingLayoutFile`.
    public static func text(_ path: String, root: URL, layout: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else {
            throw ManifestError.missingLayoutFile(file: path, layout: layout)
        }
        return String(data: data, encoding: .utf8) ?? String(decoding: data, as: UTF8.self)
    }

    /// Lines without their terminators (CRLF or LF), blank lines dropped, with 1-based line numbers.
    public static func lines(_ text: String) -> [(number: Int, text: String)] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated().compactMap { i, l in
            let s = l.trimmingCharacters(in: .whitespacesAndNewlines)
            return s.isEmpty ? nil : (i + 1, String(l).trimmingCharacters(in: CharacterSet(charactersIn: "\r")))
        }
    }

    /// Splits one CSV line (double-quoted fields may hold commas; `""` is a quote).
    public static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], cur = "", quoted = false
        var it = Array(line), i = 0
        while i < it.count {
            let c = it[i]
            if quoted {
                if c == "\"" { if i + 1 < it.count, it[i + 1] == "\"" { cur.append("\""); i += 1 } else { quoted = false } } else { cur.append(c) }
            } else if c == "\"" { quoted = true } else if c == "," { fields.append(cur); cur = "" } else { cur.append(c) }
            i += 1
        }
        fields.append(cur)
        it = []
        return fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The last path component without its extension.
    public static func stem(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "npy", "pgm", "ppm"]

    /// Whether `field` looks like a file path with a known image/array extension (a CSV header does not).
    public static func looksLikeFile(_ field: String) -> Bool {
        guard let dot = field.lastIndex(of: ".") else { return false }
        return imageExtensions.contains(field[field.index(after: dot)...].lowercased())
    }
}

/// The layouts by name.
public enum DatasetLayouts {
    public static let names = ["zju-rgbp", "pgsnet", "nyudepthv2", "ivrg-rgbnir", "rgb-thermal-glass", "generic"]

    /// The layout called `name` (`generic` takes its spec, or the modality's own sample discovery when nil).
    public static func layout(_ name: String, generic: GenericLayoutSpec? = nil, seedSplit: (fraction: Double, seed: UInt64) = (0.2, 8888)) throws -> any DatasetLayout {
        switch name.lowercased() {
        case "zju-rgbp", "zju": return ZJURGBPLayout()
        case "pgsnet": return PGSNetLayout()
        case "nyudepthv2", "nyu", "nyudv2": return NYUDepthV2Layout()
        case "ivrg-rgbnir", "ivrg", "ivrg_rgbnir": return IVRGRGBNIRLayout()
        case "rgb-thermal-glass", "rgbt", "rgb-t": return RGBThermalGlassLayout()
        case "generic": return GenericLayout(spec: generic)
        default:
            throw ManifestError.invalidSetting(field: "--dataset", expected: "one of \(names.joined(separator: ", "))", got: name)
        }
    }
}
