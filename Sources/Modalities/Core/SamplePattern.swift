import Foundation

/// Where one input of a sample lives, relative to the dataset root: a path with one `{id}` placeholder
/// and optional `*` wildcards that match within a path component, e.g. `"depth/{id}.png"`,
/// `"0/{id}_0°.png"`, `"rgb/{id}.*"`. `{id}` matches one or more characters other than `/`.
public struct SamplePattern: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public let pattern: String
    private let regex: NSRegularExpression

    /// - Throws: `ModalityError.invalidSpec` (naming `field`) unless the pattern holds exactly one `{id}`, is relative,
    ///   and has no `..` component.
    public init(_ pattern: String, field: String = "pattern", file: String = "plugin") throws {
        let idCount = pattern.components(separatedBy: "{id}").count - 1
        guard idCount == 1 else {
            throw ModalityError.invalidSpec(file: file, field: field, expected: "a relative path with exactly one {id}", got: "\"\(pattern)\"")
        }
        guard !pattern.hasPrefix("/"), !pattern.split(separator: "/").contains("..") else {
            throw ModalityError.invalidSpec(file: file, field: field, expected: "a path inside the dataset folder", got: "\"\(pattern)\"")
        }
        var expr = "^"
        var rest = Substring(pattern)
        while !rest.isEmpty {
            if rest.hasPrefix("{id}") {
                expr += "(?<id>[^/]+)"
                rest = rest.dropFirst(4)
            } else if rest.first == "*" {
                expr += "[^/]*"
                rest = rest.dropFirst()
            } else {
                expr += NSRegularExpression.escapedPattern(for: String(rest.first!))
                rest = rest.dropFirst()
            }
        }
        self.pattern = pattern
        self.regex = try! NSRegularExpression(pattern: expr + "$")
    }

    public var description: String { pattern }
    public static func == (a: SamplePattern, b: SamplePattern) -> Bool { a.pattern == b.pattern }
    public func hash(into h: inout Hasher) { h.combine(pattern) }
    public init(from decoder: any Decoder) throws { try self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(pattern)
    }

    /// Whether the pattern has wildcards besides `{id}` (then a file must be searched for, not just named).
    public var hasWildcards: Bool { pattern.contains("*") }

    /// The path for `id` when the pattern has no wildcards.
    public func path(for id: String) -> String { pattern.replacingOccurrences(of: "{id}", with: id) }

    /// The sample id of a root-relative `path`, or nil when the path does not match.
    public func id(of path: String) -> String? {
        let range = NSRange(path.startIndex..., in: path)
        guard let m = regex.firstMatch(in: path, range: range), let r = Range(m.range(withName: "id"), in: path) else { return nil }
        return String(path[r])
    }

    /// Every file under `root` matching the pattern, by id.
    /// - Throws: `ModalityError.ambiguousFiles` when two files give the same id.
    public func index(in root: URL, files: [String]? = nil) throws -> [String: String] {
        var byID: [String: String] = [:]
        for path in try files ?? DatasetListing.files(under: root) {
            guard let id = id(of: path) else { continue }
            if let other = byID[id] {
                throw ModalityError.ambiguousFiles(pattern: pattern, sample: id, files: [other, path].sorted())
            }
            byID[id] = path
        }
        return byID
    }
}

/// Sample discovery from one pattern per input (the first one defines the samples) and an optional label pattern.
public struct SampleLayout: Sendable, Equatable, Codable {
    public var inputs: [SamplePattern]
    public var label: SamplePattern?

    public init(inputs: [SamplePattern], label: SamplePattern? = nil) {
        precondition(!inputs.isEmpty, "SampleLayout: at least one input pattern")
        self.inputs = inputs
        self.label = label
    }

    /// The layout of a single-file modality: one input pattern (named `field` in errors) and an
    /// optional label pattern, both checked, errors naming `file` (the modality's identifier).
    public static func single(_ pattern: String, field: String, label: String?, file: String) throws -> SampleLayout {
        SampleLayout(inputs: [try SamplePattern(pattern, field: field, file: file)],
                     label: try label.map { try SamplePattern($0, field: "label pattern", file: file) })
    }

    /// The samples under `root`, sorted by id: every id the first pattern matches and every other input pattern
    /// also has a file for. The label is attached when its file exists.
    /// - Throws: `ModalityError.missingFile` when a later input is missing for an id of the first.
    public func samples(in root: URL) throws -> [SampleFiles] {
        let files = try DatasetListing.files(under: root)
        let indices = try inputs.map { try $0.index(in: root, files: files) }
        let labels = try label.map { try $0.index(in: root, files: files) } ?? [:]
        return try indices[0].keys.sorted().map { id in
            let paths = try zip(inputs, indices).map { pattern, index -> String in
                guard let p = index[id] else { throw ModalityError.missingFile(file: pattern.path(for: id), sample: id) }
                return p
            }
            return SampleFiles(id: id, inputs: paths, label: labels[id])
        }
    }
}

/// Listing of a dataset folder.
public enum DatasetListing {
    /// Root-relative paths of all regular files under `root` (hidden files skipped), sorted.
    public static func files(under root: URL) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModalityError.missingFolder(path: root.path)
        }
        let base = root.standardizedFileURL.path
        guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                     options: [.skipsHiddenFiles]) else { return [] }
        var out: [String] = []
        for case let url as URL in e {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let full = url.standardizedFileURL.path
            guard full.hasPrefix(base + "/") else { continue }
            out.append(String(full.dropFirst(base.count + 1)))
        }
        return out.sorted()
    }
}
