import Foundation
import Modalities

/// A dataset layout described in JSON, e.g.
/// `{"inputs": ["rgb/{id}.png", "depth/{id}.npy"], "label": "labels/{id}.png", "testFraction": 0.2,
///   "regionThreshold": 100, "splitLists": {"train": "train.txt", "test": "test.txt"}}`.
/// `inputs` are `SamplePattern`s in the modality's input order (default: the modality's own discovery);
/// `splitLists` name text files of sample ids, one per line (default: a seeded `testFraction` split, 0.2).
public struct GenericLayoutSpec: Codable, Equatable, Sendable {
    public var inputs: [String]?
    public var label: String?
    public var testFraction: Double?
    public var regionThreshold: Int?
    public var splitLists: [String: String]?

    public init(inputs: [String]? = nil, label: String? = nil, testFraction: Double? = nil, regionThreshold: Int? = nil,
                splitLists: [String: String]? = nil) {
        self.inputs = inputs; self.label = label; self.testFraction = testFraction
        self.regionThreshold = regionThreshold; self.splitLists = splitLists
    }

    /// Reads and checks a spec file. - Throws: `ManifestError` naming the file and field.
    public static func load(_ url: URL) throws -> GenericLayoutSpec {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw ManifestError.missingLayoutFile(file: url.path, layout: "generic") }
        let spec: GenericLayoutSpec
        do { spec = try JSONDecoder().decode(GenericLayoutSpec.self, from: data) } catch {
            throw ManifestError.invalidSetting(field: "\(url.lastPathComponent)", expected: "a generic layout JSON object", got: "\(error)")
        }
        if let f = spec.testFraction, !(f > 0 && f < 1) {
            throw ManifestError.invalidSetting(field: "\(url.lastPathComponent): testFraction", expected: "a number in (0, 1)", got: "\(f)")
        }
        if let lists = spec.splitLists, Set(lists.keys) != ["train", "test"] {
            throw ManifestError.invalidSetting(field: "\(url.lastPathComponent): splitLists", expected: "keys train and test", got: lists.keys.sorted().joined(separator: ", "))
        }
        return spec
    }
}

/// The generic layout: samples by the spec's patterns (or the modality's own `samples(in:)`), split by the
/// spec's id lists or by a seeded ratio (done by `ManifestBuilder`).
public struct GenericLayout: DatasetLayout {
    public var spec: GenericLayoutSpec?
    public init(spec: GenericLayoutSpec?) { self.spec = spec }
    public var name: String { "generic" }
    public var regionThreshold: Int? { spec?.regionThreshold }
    public var modalityRoles: [String: [String]] { [:] }
    public var testFraction: Double { spec?.testFraction ?? 0.2 }

    public func entries(in root: URL) throws -> (entries: [LayoutEntry], problems: [ValidationIssue], quirks: [ValidationIssue], splitSource: String) {
        ([], [], [], "")
    }

    public func list(root: URL, modality: any Modality) throws -> LayoutListing {
        var samples: [SampleFiles]
        var problems: [ValidationIssue] = []
        if let inputs = spec?.inputs {
            let patterns = try inputs.enumerated().map { try SamplePattern($1, field: "inputs[\($0)]", file: "layout") }
            let label = try spec?.label.map { try SamplePattern($0, field: "label", file: "layout") }
            let files = try DatasetListing.files(under: root)
            let indices = try patterns.map { try $0.index(in: root, files: files) }
            let labels = try label.map { try $0.index(in: root, files: files) } ?? [:]
            samples = []
            for id in indices[0].keys.sorted() {
                var paths: [String] = []
                for (p, index) in zip(patterns, indices) {
                    if let f = index[id] { paths.append(f) } else {
                        problems.append(ValidationIssue(file: p.path(for: id), sample: id, problem: .missing, detail: "input file does not exist"))
                    }
                }
                guard paths.count == patterns.count else { continue }
                guard let l = labels[id] else {
                    problems.append(ValidationIssue(file: label?.path(for: id) ?? paths[0], sample: id, problem: .noLabel, detail: "no label map for this sample"))
                    continue
                }
                samples.append(SampleFiles(id: id, inputs: paths, label: l))
            }
        } else {
            samples = try modality.samples(in: root)
            for s in samples where s.label == nil {
                problems.append(ValidationIssue(file: s.inputs.first ?? s.id, sample: s.id, problem: .noLabel, detail: "no label map for this sample"))
            }
            samples = samples.filter { $0.label != nil }
        }
        guard let lists = spec?.splitLists else {
            return LayoutListing(samples: samples.map { ("", $0) }, problems: problems, quirks: [],
                                 splitSource: "seeded: \(Int((testFraction * 100).rounded()))% test", official: false)
        }
        var splitOf: [String: String] = [:]
        for split in ["train", "test"] {
            for (number, line) in LayoutFiles.lines(try LayoutFiles.text(lists[split]!, root: root, layout: name)) {
                let id = line.trimmingCharacters(in: .whitespaces)
                if splitOf[id] != nil {
                    problems.append(ValidationIssue(file: lists[split]!, sample: id, problem: .duplicate, detail: "line \(number): id listed twice"))
                }
                splitOf[id] = split
            }
        }
        var out: [(split: String, files: SampleFiles)] = []
        for s in samples {
            if let split = splitOf[s.id] { out.append((split, s)) }
        }
        return LayoutListing(samples: out, problems: problems, quirks: [], splitSource: "\(lists["train"]!) / \(lists["test"]!)", official: true)
    }
}
