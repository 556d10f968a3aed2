import Foundation
import Modalities

/// One unit of work of `aims convert`: a sample (or a volume) and where its output goes.
public struct ConversionJob: Sendable, Equatable {
    /// The sample, its paths relative to `root`.
    public var sample: SampleFiles
    public var root: URL
    /// The output path relative to the output folder, without extension (a folder input's relative path kept).
    public var output: String
    /// What to call the input in messages: the path as given, joined with the sample's relative path.
    public var display: String
    /// For `--format nifti`: the volume's file or DICOM folder.
    public var volume: URL?
}

/// Turns command-line inputs into conversion jobs.
public enum ConversionInputs {
    /// Files not treated as inputs when a folder is searched file by file (sidecars, notes).
    static let ignoredExtensions: Set<String> = ["json", "txt", "md", "csv"]

    /// - Files: consecutive file inputs make samples of the modality's `filesPerSample` files each, in its decode
    ///   order (`samples(fromFiles:)`, as `aims predict` groups them: RGB then depth for `rgb+depth`); a sample's
    ///   output is its first file's stem, and messages name its first file as given.
    /// - A folder: the modality's samples (its sample patterns, so multi-file samples and composites work), each
    ///   output at its first input's relative path; when the patterns match nothing, every file under the folder
    ///   (recursively, `.json`/`.txt`/`.md`/`.csv` skipped) as a single-input sample at its relative path.
    /// - With `volumes`: each input (a NIfTI file or a DICOM series folder) is one volume job.
    /// - Throws: `ConversionError.emptyFolder`, `.incompleteSample` for a run of files that is not a whole number of
    ///   samples, or `ModalityError.missingFile` for an input that does not exist.
    public static func jobs(_ inputs: [String], modality: any Modality, volumes: Bool = false) throws -> [ConversionJob] {
        for input in inputs where !FileManager.default.fileExists(atPath: input) {
            throw ModalityError.missingFile(file: input, sample: "INPUT")
        }
        if volumes {
            return inputs.map { input in
                let url = URL(fileURLWithPath: input), name = url.lastPathComponent
                return ConversionJob(sample: SampleFiles(id: name, inputs: [name]), root: url.deletingLastPathComponent(),
                                     output: stem(name), display: input, volume: url)
            }
        }
        var jobs: [ConversionJob] = []
        for group in InputPathGroup.split(inputs) {
            switch group {
            case .files(let files):
                jobs += try fileJobs(files, modality: modality)
            case .folder(let input):
                let found = try folderJobs(URL(fileURLWithPath: input), input: input, modality: modality)
                guard !found.isEmpty else { throw ConversionError.emptyFolder(path: input) }
                jobs += found
            }
        }
        return jobs
    }

    /// Consecutive files as samples of `filesPerSample` each.
    static func fileJobs(_ files: [String], modality: any Modality) throws -> [ConversionJob] {
        let n = modality.filesPerSample
        guard files.count % n == 0 else {
            throw ConversionError.incompleteSample(modality: modality.identifier, filesPerSample: n, files: files)
        }
        // Sample by sample, so that each is relative to its own files' folder (a lone file's is its parent, and
        // messages name it by its name, not by a path from a folder shared with unrelated inputs).
        return try stride(from: 0, to: files.count, by: n).map { start in
            let group = Array(files[start..<(start + n)])
            let (root, samples) = try modality.samples(fromFiles: group.map { URL(fileURLWithPath: $0) })
            return ConversionJob(sample: samples[0], root: root, output: stem((group[0] as NSString).lastPathComponent), display: group[0])
        }
    }

    static func folderJobs(_ folder: URL, input: String, modality: any Modality) throws -> [ConversionJob] {
        let display = { (path: String) in (input as NSString).appendingPathComponent(path) }
        let samples = (try? modality.samples(in: folder)) ?? []
        if !samples.isEmpty {
            return samples.map { s in
                var out = stem(s.inputs[0])
                if let f = s.frame { out += "@\(f)" }
                return ConversionJob(sample: s, root: folder, output: out, display: display(s.inputs[0]))
            }
        }
        return try DatasetListing.files(under: folder)
            .filter { !ignoredExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .map { path in
                ConversionJob(sample: SampleFiles(id: stem((path as NSString).lastPathComponent), inputs: [path]), root: folder,
                              output: stem(path), display: display(path))
            }
    }

    /// `path` without its extension (`.nii.gz` counts as one).
    static func stem(_ path: String) -> String {
        var p = path
        if p.lowercased().hasSuffix(".gz") { p = String(p.dropLast(3)) }
        return (p as NSString).deletingPathExtension
    }
}
