import Foundation
import Modalities
import TensorFiles
import Transforms

/// An AIMS dataset manifest (`aims build`): which files make up which samples of which split, their SHA-256,
/// per-channel statistics of the training split, region counts and the validation report. JSON with sorted
/// keys and no timestamps or absolute paths, so rebuilding an unchanged folder gives the same bytes.
/// Every path is relative to the dataset root.
public struct Manifest: Codable, Equatable, Sendable {
    /// The format this code writes (and the newest it reads).
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    /// Layout name: `zju-rgbp`, `pgsnet`, `nyudepthv2`, `ivrg-rgbnir`, `rgb-thermal-glass` or `generic`.
    public var dataset: String
    /// The generic layout's JSON, when one was given.
    public var layout: GenericLayoutSpec?
    /// The dataset root relative to the manifest's folder (informational; `--data` overrides it).
    public var root: String
    public var modality: ModalityRecord
    public var seed: UInt64
    /// Fraction of the training split carved out for the `validation` scheme.
    public var validationFraction: Double
    public var splits: SplitRecord
    /// Data-fraction subsets of the official training split, by percent (`"10"`, `"25"`, ...): nested, seeded.
    public var fractions: [String: [String]]
    /// Every usable sample, sorted by id.
    public var samples: [ManifestSample]
    /// Every file the samples use, by path: byte size and SHA-256.
    public var files: [String: FileRecord]
    public var statistics: StatisticsRecord
    /// The reference's constants for this modality (docs/REFERENCE.md §7), when known.
    public var referenceNormalization: NormalizationConstants?
    public var regions: RegionRecord
    public var report: ValidationReport

    public struct ModalityRecord: Codable, Equatable, Sendable {
        public var identifier: String
        public var channels: [ChannelDescriptor]
    }

    /// Two schemes: `official` (train / test as the dataset defines them; the reference validates on test) and
    /// `validation` (the official train minus a seeded `val` part; `test` unchanged).
    public struct SplitRecord: Codable, Equatable, Sendable {
        /// Where the official split comes from, e.g. `"train.txt / test.txt"` or `"seeded: 20% test"`.
        public var source: String
        /// True when the dataset defines the train/test split (false: seeded ratio).
        public var official: Bool
        public var train: [String]
        public var test: [String]
        /// The validation scheme's training part (`train` minus `val`).
        public var validationTrain: [String]
        public var val: [String]
    }

    public struct ManifestSample: Codable, Equatable, Sendable {
        public var id: String
        /// `train` or `test` (the official split).
        public var split: String
        /// The modality's files for this sample (inputs in decode order, label).
        public var files: SampleFiles
        /// Decoded size in pixels.
        public var width: Int
        public var height: Int
        /// Pixel count of every label value at 1024 x 1024 (Pillow nearest), by value.
        public var regionPixels1024: [String: Int]
        /// Regions (value > 0) passing the training rule `count >= T` / the test rule `count > T` / with no threshold.
        public var regionsTrainRule: Int
        public var regionsTestRule: Int
        public var regionsAll: Int
    }

    public struct FileRecord: Codable, Equatable, Sendable {
        public var bytes: Int
        public var sha256: String
        public init(bytes: Int, sha256: String) { self.bytes = bytes; self.sha256 = sha256 }
    }

    public struct ChannelRecord: Codable, Equatable, Sendable {
        public var name: String
        public var mean: Double
        /// Population standard deviation.
        public var std: Double
        public var min: Double
        public var max: Double
        /// Valid finite pixels counted.
        public var count: Int
        public var nonFinite: Int
    }

    /// Per-channel statistics of the decoded (not resized) training samples, valid pixels only (Welford).
    public struct StatisticsRecord: Codable, Equatable, Sendable {
        /// The split they are computed over (`train`, the official training split).
        public var split: String
        public var samples: Int
        public var channels: [ChannelRecord]
        public var means: [Double] { channels.map(\.mean) }
        public var standardDeviations: [Double] { channels.map(\.std) }
    }

    public struct RegionTotals: Codable, Equatable, Sendable {
        public var trainRule: Int
        public var testRule: Int
        public var all: Int
    }

    /// Region counting: label resized to `labelSide` (Pillow nearest), region = label value > 0.
    public struct RegionRecord: Codable, Equatable, Sendable {
        /// The reference's CNT_THRESHOLD for this dataset (nil: none, then both rules count every region).
        public var threshold: Int?
        public var labelSide: Int
        public var trainRule: String
        public var testRule: String
        /// Totals per official split (`train`, `test`).
        public var totals: [String: RegionTotals]
    }
}

extension Manifest {
    /// The encoding used for manifests: sorted keys, pretty-printed, slashes unescaped.
    public func encoded() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try enc.encode(self)
        data.append(0x0A)
        return data
    }

    /// Writes the manifest atomically (temporary file + rename).
    public func write(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(try encoded(), to: url, durable: true)
    }

    /// Reads a manifest. - Throws: `ManifestError` naming the file.
    public static func read(from url: URL) throws -> Manifest {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ManifestError.unreadable(file: url.path, reason: "no such file or unreadable") }
        return try decode(data, file: url.path)
    }

    /// Decodes a manifest's bytes; `file` names it in errors. - Throws: `ManifestError`.
    public static func decode(_ data: Data, file: String) throws -> Manifest {
        let m: Manifest
        do { m = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw ManifestError.unreadable(file: file, reason: "\(error)")
        }
        guard m.formatVersion <= currentFormatVersion else {
            throw ManifestError.unsupportedVersion(file: file, version: m.formatVersion, supported: currentFormatVersion)
        }
        return m
    }

    /// The dataset root recorded in a manifest read from `manifestURL` (its `root` is relative to the manifest's folder).
    public static func root(of manifest: Manifest, at manifestURL: URL) -> URL {
        if manifest.root.hasPrefix("/") { return URL(fileURLWithPath: manifest.root) }
        return manifestURL.deletingLastPathComponent().appendingPathComponent(manifest.root).standardizedFileURL
    }

    /// The sample ids of `split`: `train`/`test` (official), `val`, or `validation-train`.
    public func ids(ofSplit split: String) -> [String]? {
        switch split {
        case "train": return splits.train
        case "test": return splits.test
        case "val": return splits.val
        case "validation-train": return splits.validationTrain
        default: return nil
        }
    }

    /// The samples with these ids, in the given order. - Throws: `ManifestError.invalidSetting` for an unknown id.
    public func sampleFiles(_ ids: [String]) throws -> [SampleFiles] {
        var byID: [String: SampleFiles] = [:]
        for s in samples { byID[s.id] = s.files }
        return try ids.map { id in
            guard let f = byID[id] else { throw ManifestError.invalidSetting(field: "sample id", expected: "a sample of the manifest", got: id) }
            return f
        }
    }

    /// Every path a sample uses (inputs, label, composite parts), sorted and unique.
    public static func paths(of s: SampleFiles) -> [String] {
        var out = s.inputs + (s.label.map { [$0] } ?? [])
        for p in s.parts { out += paths(of: p) }
        return Array(Set(out)).sorted()
    }

    /// Re-hashes the files under `root` (all of them, or only those of `samples`) and returns each that is
    /// missing, has another size or another SHA-256 than recorded, sorted by path.
    public func verify(root: URL, samples ids: [String]? = nil) -> [FileChange] {
        var paths = Set<String>()
        if let ids {
            let wanted = Set(ids)
            for s in samples where wanted.contains(s.id) { paths.formUnion(Manifest.paths(of: s.files)) }
        } else {
            paths = Set(files.keys)
        }
        let list = paths.sorted()
        var results = [FileChange?](repeating: nil, count: list.count)
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: list.count) { i in
                let path = list[i]
                guard let record = files[path] else {
                    out[i] = FileChange(file: path, kind: .missing, expected: "an entry in the manifest's files", got: "none"); return
                }
                let url = root.appendingPathComponent(path)
                guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int else {
                    out[i] = FileChange(file: path, kind: .missing, expected: record.sha256, got: "no file"); return
                }
                if size != record.bytes { out[i] = FileChange(file: path, kind: .resized, expected: "\(record.bytes)", got: "\(size)"); return }
                let hash = (try? SHA256.hex(fileAt: url)) ?? "unreadable"
                if hash != record.sha256 { out[i] = FileChange(file: path, kind: .changed, expected: record.sha256, got: hash) }
            }
        }
        return results.compactMap { $0 }
    }

    /// `verify`, throwing `ManifestError.changedFiles` naming each changed file.
    public func requireUnchanged(root: URL, samples ids: [String]? = nil) throws {
        let changes = verify(root: root, samples: ids)
        if !changes.isEmpty { throw ManifestError.changedFiles(changes) }
    }
}
