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

    /// - A file: one single-input sample (id = its stem), output `<stem>`.
    /// - A folder: the modality's samples (its sample patterns, so multi-file samples and composites work), each
    ///   output at its first input's relative path; when the patterns match nothing, every file under the folder
    ///   (recursively, `.json`/`.txt`/`.md`/`.csv` skipped) as a single-input sample at its relative path.
    /// - With `volumes`: each input (a NIfTI file or a DICOM series folder) is one volume job.
    /// - Throws: `ConversionError.emptyFolder`, or `ModalityError.missingFile` for an input that does not exist.
    public static func jobs(_ inputs: [String], modality: any Modality, volumes: Bool = false) throws -> [ConversionJob] {
        var jobs: [ConversionJob] = []
        for input in inputs {
            let url = URL(fileURLWithPath: input)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
                throw ModalityError.missingFile(file: input, sample: "INPUT")
            }
            let name = url.lastPathComponent
            if volumes {
                jobs.append(ConversionJob(sample: SampleFiles(id: name, inputs: [name]), root: url.deletingLastPathComponent(),
                                          output: stem(name), display: input, volume: url))
            } else if !isFolder.boolValue {
                jobs.append(ConversionJob(sample: SampleFiles(id: stem(name), inputs: [name]), root: url.deletingLastPathComponent(),
                                          output: stem(name), display: input))
            } else {
                let found = try folderJobs(url, input: input, modality: modality)
                guard !found.isEmpty else { throw ConversionError.emptyFolder(path: input) }
                jobs += found
            }
        }
        return jobs
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
