import Foundation
import Transforms

/// What the channels of a converted file are: written as JSON into a TIFF's ImageDescription or into a `.json`
/// sidecar beside an NPY, PNG or NIfTI output, and read back by `aims inspect`.
public struct ChannelFileMetadata: Codable, Sendable, Equatable {
    /// The schema tag of this JSON (`aims-channels/1`).
    public static let currentSchema = "aims-channels/1"

    /// One channel of the file, in file order.
    public struct Channel: Codable, Sendable, Equatable {
        public var name: String
        /// Physical unit (`°C`, `m`, `HU`, `rad`, `1`, `counts`, …).
        public var unit: String
        /// `intensity`, `angle`, `depth`, `temperature`, `hounsfield`, `label` or `mask` (the valid-pixel mask).
        public var kind: String
        /// For `angle`: the period in the unit (π for AoLP).
        public var period: Double?
        /// PNG only: physical = code × `scale` + `offset` (code 0 = invalid where the channel has invalid pixels).
        public var scale: Double?
        public var offset: Double?
        /// PNG only, windowed CT: the window (HU) mapped onto 0…max code; values outside clip.
        public var windowCenter: Double?
        public var windowWidth: Double?
        /// PNG only: the file holding this channel, relative to the sidecar.
        public var file: String?

        public init(name: String, unit: String, kind: String, period: Double? = nil) {
            self.name = name
            self.unit = unit
            self.kind = kind
            self.period = period
        }

        /// The channel of a descriptor.
        public init(_ d: ChannelDescriptor) {
            switch d.kind {
            case .intensity: self.init(name: d.name, unit: d.unit, kind: "intensity")
            case let .angle(period): self.init(name: d.name, unit: d.unit, kind: "angle", period: period)
            case .depth: self.init(name: d.name, unit: d.unit, kind: "depth")
            case .temperature: self.init(name: d.name, unit: d.unit, kind: "temperature")
            case .hounsfield: self.init(name: d.name, unit: d.unit, kind: "hounsfield")
            case .label: self.init(name: d.name, unit: d.unit, kind: "label")
            }
        }

        /// The valid-pixel mask channel: 1 valid, 0 invalid.
        public static let validMask = Channel(name: "valid", unit: "1", kind: "mask")
    }

    public var schema: String
    /// The modality identifier that decoded the source.
    public var modality: String
    /// The source file(s), as given or relative to the input folder.
    public var source: [String]
    /// `[C, H, W]` (`[C, nz, ny, nx]` for a volume).
    public var shape: [Int]
    public var channels: [Channel]
    /// How invalid pixels are stored: `NaN` (TIFF, NPY, NIfTI) or `0` (PNG).
    public var invalid: String
    /// Anything else worth keeping (e.g. thermal viewing conditions overridden).
    public var notes: [String: String]?

    public init(modality: String, source: [String], shape: [Int], channels: [Channel], invalid: String, notes: [String: String]? = nil) {
        schema = Self.currentSchema
        self.modality = modality
        self.source = source
        self.shape = shape
        self.channels = channels
        self.invalid = invalid
        self.notes = notes
    }

    /// Compact, key-sorted JSON.
    public func json() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    /// The metadata in `text`, nil when it is not JSON of this schema.
    public static func parse(_ text: String) -> ChannelFileMetadata? {
        guard let m = try? JSONDecoder().decode(ChannelFileMetadata.self, from: Data(text.utf8)),
              m.schema.hasPrefix("aims-channels/") else { return nil }
        return m
    }

    /// The sidecar of an output file: `x.npy` → `x.json`, `x.nii.gz` → `x.json`, PNG channel files share their stem's.
    public static func sidecarURL(stem: URL) -> URL { stem.appendingPathExtension("json") }

    /// The metadata stored with a converted file: the TIFF's ImageDescription, or the `.json` sidecar beside it
    /// (for `<stem>_<channel>.png`, `<stem>.json` is found by trying shorter stems). Nil when none is found.
    public static func find(for url: URL, tiffDescription: String? = nil) -> ChannelFileMetadata? {
        if let d = tiffDescription, let m = parse(d) { return m }
        var name = url.lastPathComponent
        if name.hasSuffix(".gz") { name = String(name.dropLast(3)) }
        var stem = (name as NSString).deletingPathExtension
        let dir = url.deletingLastPathComponent()
        while true {
            let candidate = dir.appendingPathComponent(stem + ".json")
            if let text = try? String(contentsOf: candidate, encoding: .utf8), let m = parse(text) { return m }
            guard let cut = stem.lastIndex(of: "_") else { return nil }
            stem = String(stem[..<cut])
        }
    }
}
