import Foundation

/// Entry points that work on any supported tensor file.
public enum TensorFiles {
    /// Reads an NPY, safetensors or PyTorch `.pth` file, chosen by its first bytes (not its
    /// extension): `\x93NUMPY` is NPY, `PK\x03\x04` is a ZIP and so a `.pth`; otherwise a
    /// safetensors header (a u64 LE length followed by `{`) is required (the reader refuses lengths over 100 MB).
    public static func read(_ url: URL) throws -> TensorArchive {
        try read(try load(url), file: url.lastPathComponent, name: url.deletingPathExtension().lastPathComponent)
    }

    /// Reads in-memory file bytes, chosen by their first bytes as `read(_ url:)` does. `file`
    /// names the source in errors; `name` is the tensor name of an NPY array.
    public static func read(_ data: Data, file: String, name: String = "array") throws -> TensorArchive {
        switch sniff(data) {
        case .npy?: return try NPY.read(data, file: file, name: name)
        case .pytorch?: return try TorchCheckpoint.read(data, file: file)
        case .safetensors?: return try Safetensors.read(data, file: file)
        case nil:
            let head = data.prefix(8).withUnsafeBytes { hexPreview($0) }
            throw TensorFileError.unknownFormat(file: file, firstBytes: head.isEmpty ? "none: the file is empty" : head)
        }
    }

    /// The format suggested by the first bytes of `data`, or nil.
    public static func sniff(_ data: Data) -> TensorFileFormat? {
        let head = [UInt8](data.prefix(9))
        if head.starts(with: NPY.magic) { return .npy }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .pytorch }
        if head.count == 9 && head[8] == UInt8(ascii: "{") {
            var n: UInt64 = 0
            for k in 0..<8 { n |= UInt64(head[k]) << (8 * UInt64(k)) }
            // a header length and a JSON object: an absurd length (10 GB) is the reader's typed error to report
            if n >= 2 { return .safetensors }
        }
        return nil
    }

    /// The contents of `url`, memory-mapped when the system allows it (a 40 MB checkpoint is
    /// then not copied), as a typed error when it cannot be read.
    static func load(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw TensorFileError.unreadable(file: url.lastPathComponent, reason: error.localizedDescription)
        }
    }

    /// Writes `data` to `url` through `AtomicFile`, reporting failures as `TensorFileError.unwritable`.
    static func writeAtomically(_ data: Data, to url: URL, durable: Bool = false) throws {
        do {
            try AtomicFile.write(data, to: url, durable: durable)
        } catch {
            throw TensorFileError.unwritable(file: url.path, reason: error.localizedDescription)
        }
    }
}
