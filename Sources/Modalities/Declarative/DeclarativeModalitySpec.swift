import Foundation
import TensorCore

/// A sensor described in JSON instead of Swift: per channel, which file holds it, how its stored values
/// become physical units, and what it measures. Example (Sentinel-2 NIR and red from one 4-band TIFF):
///
///     {
///       "identifier": "sentinel2-red-nir",
///       "summary": "Sentinel-2 red and NIR reflectance",
///       "channels": [
///         {"name": "R", "unit": "1", "kind": "intensity", "file": "images/{id}.tif", "band": 2,
///          "scale": 0.0001, "invalidValues": [9999]},
///         {"name": "NIR", "unit": "1", "kind": "intensity", "file": "images/{id}.tif", "band": 3,
///          "scale": 0.0001, "invalidValues": [9999]}
///       ],
///       "label": "labels/{id}.png",
///       "normalization": {"mean": [0.05, 0.25], "std": [0.03, 0.1]}
///     }
///
/// `physical = stored × scale + offset`; a stored value listed in `invalidValues` (or a non-finite one) gives 0 and
/// valid mask 0. `format`: `"auto"` (default; PNG/TIFF/PNM or NPY by content), `"image"`, `"npy"`, `"raw"` (needs
/// `dtype`, `width`, `height`; optional `byteOffset`, `littleEndian`, `channels`) or `"realsense"` (the 8-byte-header
/// `.bin` depth dump). `kind`: intensity, angle (with `period` in radians), depth, temperature, hounsfield, label.
public struct DeclarativeModalitySpec: Sendable, Equatable, Codable {
    public struct Channel: Sendable, Equatable, Codable {
        public var name: String
        public var unit: String
        public var kind: String
        /// Period in radians, for `kind: "angle"` only.
        public var period: Double?
        /// Pattern of the file holding the channel, with one `{id}` (see `SamplePattern`).
        public var file: String
        public var format: String?
        /// Channel (band) inside the file, default 0.
        public var band: Int?
        /// TIFF page, default 0.
        public var page: Int?
        public var scale: Double?
        public var offset: Double?
        public var invalidValues: [Double]?
        /// Raw format only.
        public var dtype: String?
        public var width: Int?
        public var height: Int?
        public var channels: Int?
        public var byteOffset: Int?
        public var littleEndian: Bool?

        public init(name: String, unit: String, kind: String, period: Double? = nil, file: String, format: String? = nil,
                    band: Int? = nil, page: Int? = nil, scale: Double? = nil, offset: Double? = nil, invalidValues: [Double]? = nil,
                    dtype: String? = nil, width: Int? = nil, height: Int? = nil, channels: Int? = nil, byteOffset: Int? = nil,
                    littleEndian: Bool? = nil) {
            self.name = name; self.unit = unit; self.kind = kind; self.period = period; self.file = file; self.format = format
            self.band = band; self.page = page; self.scale = scale; self.offset = offset; self.invalidValues = invalidValues
            self.dtype = dtype; self.width = width; self.height = height; self.channels = channels
            self.byteOffset = byteOffset; self.littleEndian = littleEndian
        }
    }

    public struct Normalization: Sendable, Equatable, Codable {
        public var mean: [Double]
        public var std: [Double]
        public init(mean: [Double], std: [Double]) { self.mean = mean; self.std = std }
    }

    public var identifier: String
    public var summary: String?
    public var channels: [Channel]
    /// Pattern of the label map (an image whose first channel holds region ids).
    public var label: String?
    public var normalization: Normalization?

    public init(identifier: String, summary: String? = nil, channels: [Channel], label: String? = nil,
                normalization: Normalization? = nil) {
        self.identifier = identifier
        self.summary = summary
        self.channels = channels
        self.label = label
        self.normalization = normalization
    }

    static let topLevelKeys: Set<String> = ["identifier", "summary", "channels", "label", "normalization"]
    static let channelKeys: Set<String> = ["name", "unit", "kind", "period", "file", "format", "band", "page", "scale", "offset",
                                           "invalidValues", "dtype", "width", "height", "channels", "byteOffset", "littleEndian"]
    static let normalizationKeys: Set<String> = ["mean", "std"]
    static let kinds = ["intensity", "angle", "depth", "temperature", "hounsfield", "label"]
    static let formats = ["auto", "image", "npy", "raw", "realsense"]

    /// Parses and validates a spec. Unknown keys are errors (a misspelt `"scael"` must not silently mean scale 1).
    /// - Parameter file: names the spec in errors.
    /// - Throws: `ModalityError.invalidSpec` naming the field, e.g. `channels[1].kind`.
    public static func parse(_ data: Data, file: String) throws -> DeclarativeModalitySpec {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ModalityError.invalidSpec(file: file, field: "(document)", expected: "a JSON object", got: "invalid JSON")
        }
        guard let top = object as? [String: Any] else {
            throw ModalityError.invalidSpec(file: file, field: "(document)", expected: "a JSON object", got: "\(type(of: object))")
        }
        try rejectUnknown(top, allowed: topLevelKeys, path: "", file: file)
        if let channels = top["channels"] as? [Any] {
            for (i, c) in channels.enumerated() {
                if let c = c as? [String: Any] { try rejectUnknown(c, allowed: channelKeys, path: "channels[\(i)].", file: file) }
            }
        }
        if let n = top["normalization"] as? [String: Any] { try rejectUnknown(n, allowed: normalizationKeys, path: "normalization.", file: file) }
        let spec: DeclarativeModalitySpec
        do { spec = try JSONDecoder().decode(DeclarativeModalitySpec.self, from: data) } catch let e as DecodingError {
            throw describe(e, file: file)
        }
        try spec.validate(file: file)
        return spec
    }

    /// The spec as JSON (sorted keys, pretty-printed).
    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try e.encode(self)
    }

    /// Semantic checks beyond the JSON types.
    public func validate(file: String) throws {
        func bad(_ field: String, _ expected: String, _ got: String) -> ModalityError {
            .invalidSpec(file: file, field: field, expected: expected, got: got)
        }
        guard !identifier.isEmpty, identifier.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !identifier.contains("+") else {
            throw bad("identifier", "a non-empty name of letters, digits, '-', '_' or '.'", "\"\(identifier)\"")
        }
        guard !channels.isEmpty else { throw bad("channels", "at least one channel", "[]") }
        for (i, c) in channels.enumerated() {
            let p = "channels[\(i)]."
            guard !c.name.isEmpty else { throw bad(p + "name", "a non-empty name", "\"\"") }
            guard Self.kinds.contains(c.kind) else { throw bad(p + "kind", "one of \(Self.kinds.joined(separator: ", "))", "\"\(c.kind)\"") }
            if c.kind == "angle" {
                guard let period = c.period, period > 0, period.isFinite else {
                    throw bad(p + "period", "a period > 0 in radians for an angle channel", c.period.map { "\($0)" } ?? "missing")
                }
            } else if c.period != nil {
                throw bad(p + "period", "no period (only angle channels have one)", "\(c.period!)")
            }
            _ = try SamplePattern(c.file, field: p + "file", file: file)
            let format = c.format ?? "auto"
            guard Self.formats.contains(format) else { throw bad(p + "format", "one of \(Self.formats.joined(separator: ", "))", "\"\(format)\"") }
            if let b = c.band, b < 0 { throw bad(p + "band", ">= 0", "\(b)") }
            if let pg = c.page, pg < 0 { throw bad(p + "page", ">= 0", "\(pg)") }
            if let s = c.scale, !(s.isFinite && s != 0) { throw bad(p + "scale", "a finite non-zero number", "\(s)") }
            if let o = c.offset, !o.isFinite { throw bad(p + "offset", "a finite number", "\(o)") }
            let rawOnly: [(String, Any?)] = [("dtype", c.dtype), ("width", c.width), ("height", c.height), ("channels", c.channels),
                                             ("byteOffset", c.byteOffset), ("littleEndian", c.littleEndian)]
            if format == "raw" {
                guard let d = c.dtype, DType(rawValue: d) != nil else {
                    throw bad(p + "dtype", "one of \(DType.allCases.map(\.rawValue).joined(separator: ", ")) for raw files",
                              c.dtype.map { "\"\($0)\"" } ?? "missing")
                }
                guard let w = c.width, w > 0 else { throw bad(p + "width", "> 0 pixels for raw files", c.width.map { "\($0)" } ?? "missing") }
                guard let h = c.height, h > 0 else { throw bad(p + "height", "> 0 pixels for raw files", c.height.map { "\($0)" } ?? "missing") }
                if let n = c.channels, n < 1 { throw bad(p + "channels", ">= 1", "\(n)") }
                if let o = c.byteOffset, o < 0 { throw bad(p + "byteOffset", ">= 0", "\(o)") }
            } else if let extra = rawOnly.first(where: { $0.1 != nil }) {
                throw bad(p + extra.0, "no \(extra.0) (it applies to format \"raw\" only)", "\(extra.1!)")
            }
        }
        if let label { _ = try SamplePattern(label, field: "label", file: file) }
        if let n = normalization {
            guard n.mean.count == channels.count else { throw bad("normalization.mean", "\(channels.count) values (one per channel)", "\(n.mean.count)") }
            guard n.std.count == channels.count else { throw bad("normalization.std", "\(channels.count) values (one per channel)", "\(n.std.count)") }
            if let i = n.std.firstIndex(where: { !($0 > 0 && $0.isFinite) }) { throw bad("normalization.std[\(i)]", "> 0", "\(n.std[i])") }
        }
    }

    private static func rejectUnknown(_ object: [String: Any], allowed: Set<String>, path: String, file: String) throws {
        if let key = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ModalityError.invalidSpec(file: file, field: path + key, expected: "one of the keys \(allowed.sorted().joined(separator: ", "))",
                                            got: "unknown key \"\(key)\"")
        }
    }

    private static func describe(_ error: DecodingError, file: String) -> ModalityError {
        func path(_ keys: [any CodingKey]) -> String {
            var s = ""
            for k in keys {
                if let i = k.intValue { s += "[\(i)]" } else { s += (s.isEmpty ? "" : ".") + k.stringValue }
            }
            return s.isEmpty ? "(document)" : s
        }
        switch error {
        case let .keyNotFound(key, ctx):
            let p = path(ctx.codingPath)
            return .invalidSpec(file: file, field: (p == "(document)" ? "" : p + ".") + key.stringValue, expected: "present", got: "missing")
        case let .typeMismatch(type, ctx):
            return .invalidSpec(file: file, field: path(ctx.codingPath), expected: "a value of type \(type)", got: "another type")
        case let .valueNotFound(type, ctx):
            return .invalidSpec(file: file, field: path(ctx.codingPath), expected: "a value of type \(type)", got: "null")
        case let .dataCorrupted(ctx):
            return .invalidSpec(file: file, field: path(ctx.codingPath), expected: "valid data", got: ctx.debugDescription)
        @unknown default:
            return .invalidSpec(file: file, field: "(document)", expected: "a valid spec", got: "\(error)")
        }
    }
}
