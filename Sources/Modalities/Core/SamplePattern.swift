import Foundation

/// Where one input of a sample lives, relative to the dataset root: a path with one `{id}` placeholder
/// and optional `*` wildcards that match within a path component, e.g. `"depth/{id}.png"`,
/// `"0/{id}_0°.png"`, `"rgb/{id}.*"`. `{id}` matches one or more characters other than `/`.
public struct SamplePattern: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public let pattern: String
    /// The pattern split into literal text, `{id}` and `*`.
    private let tokens: [Token]

    private enum Token: Sendable {
        case literal([Unicode.Scalar])
        case id
        case star

        var isID: Bool { if case .id = self { return true } else { return false } }
    }

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
        var tokens: [Token] = []
        var literal: [Unicode.Scalar] = []
        var rest = Substring(pattern)
        while !rest.isEmpty {
            if rest.hasPrefix("{id}") || rest.first == "*" {
                if !literal.isEmpty { tokens.append(.literal(literal)); literal = [] }
                tokens.append(rest.first == "*" ? .star : .id)
                rest = rest.dropFirst(rest.first == "*" ? 1 : 4)
            } else {
                literal += rest.first!.unicodeScalars
                rest = rest.dropFirst()
            }
        }
        if !literal.isEmpty { tokens.append(.literal(literal)) }
        self.pattern = pattern
        self.tokens = tokens
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

    /// The sample id of a root-relative `path`, or nil when the path does not match. Matches as the regular
    /// expression `^…(?<id>[^/]+)…$` (with `*` as `[^/]*`) would: the whole path, `{id}` and `*` within one path
    /// component, each taking as much as it can from left to right (so `*_{id}.png` gives `c` for `a_b_c.png`).
    /// A backtracking matcher that remembers failed (token, position) pairs: time at most tokens × length²,
    /// whatever the pattern.
    public func id(of path: String) -> String? {
        let text = Array(path.unicodeScalars)
        var failed = Set<Int>()
        var captured: Range<Int>?
        func match(_ t: Int, _ at: Int) -> Bool {
            if t == tokens.count { return at == text.count }
            let key = t * (text.count + 1) + at
            if failed.contains(key) { return false }
            switch tokens[t] {
            case .literal(let l):
                if at + l.count <= text.count, text[at..<(at + l.count)].elementsEqual(l), match(t + 1, at + l.count) { return true }
            case .id, .star:
                var end = at
                while end < text.count && text[end] != "/" { end += 1 }
                let shortest = tokens[t].isID ? at + 1 : at
                var stop = end
                while stop >= shortest {
                    if match(t + 1, stop) {
                        if tokens[t].isID { captured = at..<stop }
                        return true
                    }
                    stop -= 1
                }
            }
            failed.insert(key)
            return false
        }
        guard match(0, 0), let r = captured else { return nil }
        var id = String.UnicodeScalarView()
        id.append(contentsOf: text[r])
        return String(id)
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
