import Foundation

extension Modality {
    /// The samples that files named directly make up (`aims predict --sample`), rather than found in a dataset
    /// folder: consecutive groups of `filesPerSample` files, each group in `decode` order, as `sample(files:id:)`
    /// assembles them. Paths are relative to the files' deepest common folder, which is returned as the root; a
    /// sample's id is its first file's relative path without the extension.
    /// - Throws: `ModalityError.missingFile` for a file that does not exist, `.inputCount` when the count is not a
    ///   multiple of `filesPerSample`.
    public func samples(fromFiles urls: [URL]) throws -> (root: URL, samples: [SampleFiles]) {
        let paths = urls.map { $0.standardizedFileURL.path }
        for (url, path) in zip(urls, paths) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw ModalityError.missingFile(file: url.path, sample: url.deletingPathExtension().lastPathComponent)
            }
        }
        let n = filesPerSample
        guard !paths.isEmpty, paths.count % n == 0 else {
            throw ModalityError.inputCount(sample: urls.first?.deletingPathExtension().lastPathComponent ?? "(none)", expected: n, got: paths.count)
        }
        let folders = paths.map { Array($0.split(separator: "/").dropLast()) }
        var common = folders[0]
        for f in folders.dropFirst() {
            var k = 0
            while k < min(common.count, f.count) && common[k] == f[k] { k += 1 }
            common = Array(common.prefix(k))
        }
        let root = URL(fileURLWithPath: "/" + common.joined(separator: "/"), isDirectory: true)
        let relative = paths.map { $0.split(separator: "/").dropFirst(common.count).joined(separator: "/") }
        return (root, try stride(from: 0, to: relative.count, by: n).map { start in
            let files = Array(relative[start..<(start + n)])
            return try sample(files: files, id: (files[0] as NSString).deletingPathExtension)
        })
    }
}

extension DeclarativeModality {
    /// One file per distinct channel file pattern.
    public var filesPerSample: Int { layout.inputs.count }
}

extension PolarizationModality {
    /// One mosaic, or four polarizer-angle images.
    public var filesPerSample: Int { layout.inputs.count }
}

extension ReferenceModality {
    /// One file per plane.
    public var filesPerSample: Int { planes.count }
}

extension CompositeModality {
    /// The parts' files, part after part.
    public var filesPerSample: Int { parts.reduce(0) { $0 + $1.filesPerSample } }

    /// Splits the files among the parts in part order (each part takes its `filesPerSample`).
    public func sample(files: [String], id: String) throws -> SampleFiles {
        guard files.count == filesPerSample else { throw ModalityError.inputCount(sample: id, expected: filesPerSample, got: files.count) }
        var start = 0
        let subs = try parts.map { part -> SampleFiles in
            let n = part.filesPerSample
            defer { start += n }
            return try part.sample(files: Array(files[start..<(start + n)]), id: id)
        }
        return SampleFiles(id: id, inputs: files, parts: subs)
    }
}
