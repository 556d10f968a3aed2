import Distributed
import Foundation
import Modalities
import Transforms

/// Builds a `Manifest` for a dataset folder: lists the samples with a `DatasetLayout`, then for every sample (in
/// parallel, results reduced in sample order so the output never depends on scheduling) hashes its files, decodes
/// it with the modality (reporting missing, unreadable and mis-sized files), counts its regions at 1024 x 1024 and,
/// for the training split, accumulates per-channel statistics.
///
/// With a `communicator` of several ranks (`mpirun -np N aims build`), each rank hashes and decodes a contiguous
/// share of the samples and the ranks all-gather every sample's result (binary property lists: the statistics'
/// doubles travel exactly), so every rank reduces the same results in the same order into the manifest one
/// process writes, byte for byte.
public struct ManifestBuilder: Sendable {
    public var layout: any DatasetLayout
    public var modality: any Modality
    public var root: URL
    /// Recorded as the manifest's `root` (relative to where the manifest is written).
    public var rootRecord: String
    public var seed: UInt64 = 8888
    /// Fraction of the training split put into `val` (validation scheme), in [0, 1).
    public var validationFraction: Double = 0.1
    /// Data-fraction percents (each in 1...100).
    public var fractions: [Int] = [10, 25, 50, 100]
    /// Worker threads (at least 1).
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Called after each sample with (done, total), from worker threads (serialised); under several ranks, for
    /// this rank's share.
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// The ranks sharing the samples (default: this process alone).
    public var communicator: any Communicator = SingleProcess()

    public init(layout: any DatasetLayout, modality: any Modality, root: URL, rootRecord: String) {
        self.layout = layout; self.modality = modality; self.root = root; self.rootRecord = rootRecord
    }

    /// A builder whose manifest will be written to `manifest`: the recorded root is `root` relative to the
    /// manifest's folder, so a dataset and its manifests can move together.
    public init(layout: any DatasetLayout, modality: any Modality, root: URL, manifest: URL) {
        let root = root.standardizedFileURL
        self.init(layout: layout, modality: modality, root: root,
                  rootRecord: Self.relativePath(from: manifest.standardizedFileURL.deletingLastPathComponent(), to: root))
    }

    /// `to` relative to the folder `from` (both absolute, standardised), e.g. `../data/NYUDepthv2`.
    public static func relativePath(from: URL, to: URL) -> String {
        let a = from.pathComponents, b = to.pathComponents
        var common = 0
        while common < a.count, common < b.count, a[common] == b[common] { common += 1 }
        let parts = Array(repeating: "..", count: a.count - common) + b[common...]
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    struct SampleResult: Codable {
        var sample: Manifest.ManifestSample?
        var files: [String: Manifest.FileRecord] = [:]
        var statistics: ChannelStatistics?
        var problems: [ValidationIssue] = []
    }

    /// - Throws: `ManifestError` for bad settings, a missing list file or no usable sample; a dataset's broken
    ///   files are not errors but entries of `report.problems`.
    public func build() throws -> Manifest {
        guard validationFraction >= 0, validationFraction < 1 else {
            throw ManifestError.invalidSetting(field: "validation fraction", expected: "a number in [0, 1)", got: "\(validationFraction)")
        }
        for p in fractions where !(1...100).contains(p) {
            throw ManifestError.invalidSetting(field: "fractions", expected: "percents in 1...100", got: "\(p)")
        }
        let listing = try layout.list(root: root, modality: modality)
        var problems = listing.problems

        // Official or seeded split; duplicate ids are problems (the first is kept).
        var seen = Set<String>()
        var listed: [(split: String, files: SampleFiles)] = []
        for s in listing.samples {
            if seen.insert(s.files.id).inserted { listed.append(s) } else {
                problems.append(ValidationIssue(file: s.files.inputs.first ?? s.files.id, sample: s.files.id, problem: .duplicate,
                                                detail: "sample id already used by another sample"))
            }
        }
        if !listing.official {
            let fraction = (layout as? GenericLayout)?.testFraction ?? 0.2
            guard !listed.isEmpty else { throw ManifestError.noSamples(root: root.path, layout: layout.name) }
            let split = try SampleSplit(ids: listed.map(\.files.id), validationFraction: fraction, seed: seed)
            let test = Set(split.validation)
            listed = listed.map { (test.contains($0.files.id) ? "test" : "train", $0.files) }
        }
        listed.sort { $0.files.id < $1.files.id }

        let results = try process(listed)
        var samples: [Manifest.ManifestSample] = []
        var files: [String: Manifest.FileRecord] = [:]
        var stats = ChannelStatistics(channelCount: modality.channels.count)
        var statSamples = 0
        for r in results {
            problems += r.problems
            guard let s = r.sample else { continue }
            samples.append(s)
            files.merge(r.files) { a, _ in a }
            if let st = r.statistics { stats.merge(st); statSamples += 1 }
        }
        guard !samples.isEmpty else { throw ManifestError.noSamples(root: root.path, layout: layout.name) }

        let train = samples.filter { $0.split == "train" }.map(\.id)
        let test = samples.filter { $0.split == "test" }.map(\.id)
        let carved = train.isEmpty ? SampleSplit(training: [], validation: [])
            : try SampleSplit(ids: train, validationFraction: validationFraction, seed: seed)
        var fractionSets: [String: [String]] = [:]
        for (p, ids) in DataFractions.subsets(of: train, percents: fractions, seed: seed) { fractionSets["\(p)"] = ids }

        var totals: [String: Manifest.RegionTotals] = [:]
        for split in ["train", "test"] {
            let part = samples.filter { $0.split == split }
            totals[split] = Manifest.RegionTotals(trainRule: part.reduce(0) { $0 + $1.regionsTrainRule },
                                                  testRule: part.reduce(0) { $0 + $1.regionsTestRule }, all: part.reduce(0) { $0 + $1.regionsAll })
        }
        let channelRecords = zip(modality.channels, stats.channels).map { d, s in
            Manifest.ChannelRecord(name: d.name, mean: s.mean, std: s.standardDeviation, min: s.count > 0 ? s.minimum : 0,
                                   max: s.count > 0 ? s.maximum : 0, count: s.count, nonFinite: s.nonFiniteCount)
        }
        let t = layout.regionThreshold
        return Manifest(
            formatVersion: Manifest.currentFormatVersion, dataset: layout.name, layout: (layout as? GenericLayout)?.spec, root: rootRecord,
            modality: .init(identifier: modality.identifier, channels: modality.channels), seed: seed, validationFraction: validationFraction,
            splits: .init(source: listing.splitSource, official: listing.official, train: train, test: test,
                          validationTrain: carved.training, val: carved.validation),
            fractions: fractionSets, samples: samples, files: files,
            statistics: .init(split: "train", samples: statSamples, channels: channelRecords),
            referenceNormalization: modality.normalization,
            regions: .init(threshold: t, labelSide: 1024, trainRule: t.map { "count >= \($0)" } ?? "every region",
                           testRule: t.map { "count > \($0)" } ?? "every region", totals: totals),
            report: ValidationReport(problems: problems, referenceQuirks: listing.quirks))
    }

    /// Every sample's result, in input order: this rank's contiguous share computed by `threads` workers, the
    /// other ranks' shares gathered.
    func process(_ listed: [(split: String, files: SampleFiles)]) throws -> [SampleResult] {
        let c = communicator
        guard c.size > 1 else { return processShare(listed) }
        let share = BatchShard.positions(rank: c.rank, size: c.size, count: listed.count)
        let encoder = PropertyListEncoder()
        encoder.outputFormat = .binary
        let parts = try c.allGather(Array(try encoder.encode(processShare(Array(listed[share])))))
        return try parts.enumerated().flatMap { rank, bytes -> [SampleResult] in
            do { return try PropertyListDecoder().decode([SampleResult].self, from: Data(bytes)) } catch {
                throw DistributedError.inconsistent(what: "the manifest's sample results", detail: "rank \(rank)'s are unreadable: \(error)")
            }
        }
    }

    /// The results of `listed`, in input order, computed by `threads` workers.
    func processShare(_ listed: [(split: String, files: SampleFiles)]) -> [SampleResult] {
        let n = listed.count
        var results = [SampleResult](repeating: SampleResult(), count: n)
        let lock = NSLock()
        nonisolated(unsafe) var next = 0
        nonisolated(unsafe) var done = 0
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: Swift.max(1, Swift.min(threads, n))) { _ in
                while true {
                    lock.lock(); let i = next; next += 1; lock.unlock()
                    guard i < n else { return }
                    out[i] = processOne(split: listed[i].split, files: listed[i].files)
                    lock.lock(); done += 1; let d = done; progress?(d, n); lock.unlock()
                }
            }
        }
        return results
    }

    func processOne(split: String, files s: SampleFiles) -> SampleResult {
        var r = SampleResult()
        for path in Manifest.paths(of: s) {
            let url = root.appendingPathComponent(path)
            guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int else {
                r.problems.append(ValidationIssue(file: path, sample: s.id, problem: .missing, detail: "file does not exist")); continue
            }
            do { r.files[path] = Manifest.FileRecord(bytes: size, sha256: try SHA256.hex(fileAt: url)) } catch {
                r.problems.append(ValidationIssue(file: path, sample: s.id, problem: .unreadable, detail: "cannot read: \(error.localizedDescription)"))
            }
        }
        guard r.problems.isEmpty else { return r }
        let decoded: TransformSample
        do { decoded = try modality.transformSample(s, root: root) } catch {
            r.problems.append(Self.issue(error, sample: s)); return r
        }
        let c = modality.channels.count
        guard decoded.image.channelCount == c else {
            r.problems.append(ValidationIssue(file: s.inputs.first ?? s.id, sample: s.id, problem: .unreadable,
                                              detail: "decoded \(decoded.image.channelCount) channels, the modality declares \(c)"))
            return r
        }
        guard let label = decoded.label else {
            r.problems.append(ValidationIssue(file: s.inputs.first ?? s.id, sample: s.id, problem: .noLabel, detail: "the modality gives no label map"))
            return r
        }
        let counts = RegionCounts.pixels(label)
        let t = layout.regionThreshold
        let trainRule = RegionCounts.passing(counts, threshold: t, strict: false)
        let testRule = RegionCounts.passing(counts, threshold: t, strict: true)
        let all = RegionCounts.passing(counts, threshold: nil, strict: false)
        if (split == "train" ? trainRule : testRule) == 0 {
            r.problems.append(ValidationIssue(file: s.label ?? s.id, sample: s.id, problem: .empty,
                                              detail: "no region passes the \(split) rule (\(t.map { split == "train" ? "count >= \($0)" : "count > \($0)" } ?? "any region") at 1024 x 1024)"))
        }
        var pixels: [String: Int] = [:]
        for (k, v) in counts { pixels["\(k)"] = v }
        r.sample = Manifest.ManifestSample(id: s.id, split: split, files: s, width: decoded.image.width, height: decoded.image.height,
                                           regionPixels1024: pixels, regionsTrainRule: trainRule, regionsTestRule: testRule, regionsAll: all)
        if split == "train" {
            var st = ChannelStatistics(channelCount: c)
            st.add(decoded.image.values, validMask: decoded.image.validMask)
            r.statistics = st
        }
        return r
    }

    /// A decode error as a report entry naming its file.
    static func issue(_ error: any Error, sample s: SampleFiles) -> ValidationIssue {
        let first = s.inputs.first ?? s.id
        guard let e = error as? ModalityError else {
            return ValidationIssue(file: first, sample: s.id, problem: .unreadable, detail: (error as? LocalizedError)?.errorDescription ?? "\(error)")
        }
        switch e {
        case let .missingFile(file, _): return ValidationIssue(file: file, sample: s.id, problem: .missing, detail: "file does not exist")
        case let .shapeMismatch(file, field, expected, got):
            return ValidationIssue(file: file, sample: s.id, problem: .sizeMismatch, detail: "\(field): expected \(expected), got \(got)")
        case let .decodeFailed(file, reason): return ValidationIssue(file: file, sample: s.id, problem: .unreadable, detail: reason)
        case let .invalidContent(file, field, expected, got):
            return ValidationIssue(file: file, sample: s.id, problem: .unreadable, detail: "\(field): expected \(expected), got \(got)")
        default: return ValidationIssue(file: first, sample: s.id, problem: .unreadable, detail: e.errorDescription ?? "\(e)")
        }
    }
}
