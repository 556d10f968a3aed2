import AIMS
import Foundation
import ImageIO
import Modalities
import TensorCore
import TensorKernels

/// Scratch folders and fixture paths for the conversion tests.
enum ConvertFixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let thermal = repository.appendingPathComponent("fixtures/thermal")
    static let volume = repository.appendingPathComponent("fixtures/volume")

    /// A fresh temporary folder.
    static func scratch(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aims-convert-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Converts `inputs` with `modality` and `writer` into `out`; fails the caller on any failed input.
    static func convert(_ inputs: [URL], modality: any Modality, writer: ChannelFileWriter, frames: ChannelConversion.Frames = .first,
                        out: URL) throws -> [ChannelConversion.Converted] {
        let jobs = try ConversionInputs.jobs(inputs.map(\.path), modality: modality, volumes: writer.format == .nifti)
        let r = ChannelConversion(modality: modality, writer: writer, frames: frames).run(jobs, into: out)
        if let f = r.failed.first { throw NSError(domain: "convert", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(f.input): \(f.error)"]) }
        return r.converted
    }

    /// A float32 TIFF read back: `[C, H, W]` values and the channel metadata of its ImageDescription.
    static func readTIFF(_ url: URL) throws -> (values: Tensor, metadata: ChannelFileMetadata?) {
        let raw = try TIFFCodec.read(url)
        return (raw.toTensor(), raw.info?.imageDescription.flatMap(ChannelFileMetadata.parse))
    }
}
