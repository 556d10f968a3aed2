import Foundation
import ImageIO
import Modalities
import TensorCore
import TensorFiles
import Transforms

/// `aims convert polarization`: raw DoFP mosaics → S0 / DoLP / AoLP files, whole folders at a time.
struct ConvertPolarizationCommand: Command {
    static let name = "polarization"
    static let summary = "raw polarization mosaics (DoFP) -> S0, DoLP, AoLP files, whole folders at a time"
    static let discussion = """
    Demosaics each raw polarization mosaic (PNG, TIFF or PNM, 8/16-bit grey) and writes the chosen channels.
    INPUT may be files or folders; folders are searched recursively and their relative paths are kept under DIR.
    Layouts: imx250mzr = Sony IMX250MZR mono, superpixel [[90,45],[135,0]] (polanalyser 3);
             imx250mzr-legacy = [[0,45],[135,90]] (polanalyser before 3.0, and its real sample captures);
             imx250myr = Sony IMX250MYR colour (each channel per R, G, B).
    Channels: s0 (counts), dolp (0-1), aolp (radians, [0, pi)), cos2aolp, sin2aolp.
    Formats: tiff  one float32 TIFF per input, one sample per channel
             npy   one float32 [C, H, W] array per input
             png   one 16-bit PNG per input and channel, NAME_CHANNEL.png: s0 in counts (saturating at 65535),
                   dolp x 65535, aolp / pi x 65535, cos/sin (v + 1) / 2 x 65535, rounded
    Every file is written under a temporary name and renamed when complete; a failed input leaves no output.
    Progress goes to stderr; --json prints a summary on stdout.
    Exit status: 0 when every input converted, 1 otherwise, 64 on usage errors.
    """

    let inputs = Positional(.path("INPUT"), count: .oneOrMore, help: "a mosaic file, or a folder searched recursively")
    let layout = Option("layout", ValueType<PolarizationLayoutName>.cases, required: true, help: "the sensor's superpixel layout (see above)")
    let out = Option("out", .path("DIR"), required: true, help: "the output folder")
    let channels = Option("channels", ValueType(placeholder: "s0,dolp,aolp,...", expectation: "channel names",
                                                convert: { try PolarizationOutputChannel.parse($0) }),
                          default: [.s0, .dolp, .aolp], defaultText: "s0,dolp,aolp", help: "the channels to write, in order")
    let format = Option("format", ValueType<ConvertFormat>.cases, default: .tiff,
                        help: "the output file format (see above)")
    let method = Option("method", ValueType<DemosaicMethodName>.cases, default: .bilinear, help: "the demosaicing interpolation")
    let json = Flag("json", help: "a summary on stdout")

    struct Summary: Encodable {
        struct Converted: Encodable { var input: String; var outputs: [String] }
        struct Failed: Encodable { var input: String; var error: String }
        var layout: String
        var format: String
        var channels: [String]
        var converted: [Converted] = []
        var failed: [Failed] = []
    }

    func run(_ args: ParsedArguments) throws -> Int32 {
        let layoutName = args.value(self.layout).rawValue
        let capture = args.value(self.layout).capture
        let demosaic = args.value(self.method).method
        let format = args.value(self.format)
        let wanted = args.value(self.channels)
        let doubled = wanted.contains(.cos2aolp) || wanted.contains(.sin2aolp)
        let modality = try PolarizationModality(identifier: "convert", capture: capture, channelSet: .stokes(doubledAngle: doubled),
                                                method: demosaic, patterns: ["{id}"], label: .some(nil))
        // Plane indices of the plugin's output for each wanted channel (per colour).
        let descriptors = modality.channels
        let selection: [(channel: PolarizationOutputChannel, plane: Int, name: String)] = wanted.flatMap { c in
            descriptors.indices.filter { descriptors[$0].name == c.descriptorName || descriptors[$0].name.hasPrefix(c.descriptorName + " ") }
                .map { (c, $0, descriptors[$0].name) }
        }

        let jobs = try Self.collect(args.all(self.inputs))
        let outDir = URL(fileURLWithPath: args.value(self.out))
        var summary = Summary(layout: layoutName, format: format.rawValue, channels: selection.map(\.name))
        var progress = ProgressReporter(label: "convert", total: jobs.count, unit: "file")
        for (k, job) in jobs.enumerated() {
            do {
                let file = job.url.lastPathComponent
                let image = try modality.decode(SampleFiles(id: file, inputs: [file]), root: job.url.deletingLastPathComponent())
                let outputs = try Self.write(image, selection: selection, format: format, base: outDir.appendingPathComponent(job.relativePath))
                summary.converted.append(.init(input: job.url.path, outputs: outputs.map(\.path)))
            } catch {
                let text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
                summary.failed.append(.init(input: job.url.path, error: text))
                Console.error("aims convert: \(job.url.path): \(text)")
            }
            progress.update(k + 1, note: job.relativePath)
        }
        if args[self.json] { try JSONOutput.print(summary) }
        Console.error("aims convert: \(summary.converted.count) converted, \(summary.failed.count) failed")
        return summary.failed.isEmpty ? 0 : 1
    }

    struct Job { var url: URL; var relativePath: String }

    /// Files as given; folders recursively (images only, by content), paths relative to the folder.
    static func collect(_ inputs: [String]) throws -> [Job] {
        var jobs: [Job] = []
        for input in inputs {
            let url = URL(fileURLWithPath: input)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw UsageError(message: "\(input): no such file or folder")
            }
            if isDirectory.boolValue {
                for path in try DatasetListing.files(under: url) where SourceFiles.isRasterImage(url.appendingPathComponent(path)) {
                    jobs.append(Job(url: url.appendingPathComponent(path), relativePath: path))
                }
            } else {
                jobs.append(Job(url: url, relativePath: url.lastPathComponent))
            }
        }
        return jobs
    }

    /// Writes the selected planes next to `base` (its extension replaced); every file atomically, and if one of an
    /// input's files fails, the ones already written for that input are removed.
    static func write(_ image: ChannelImage, selection: [(channel: PolarizationOutputChannel, plane: Int, name: String)],
                      format: ConvertFormat, base: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: base.deletingLastPathComponent(), withIntermediateDirectories: true)
        let stem = base.deletingPathExtension()
        let h = image.height, w = image.width, n = h * w
        let values = image.values.scalars
        func plane(_ p: Int) -> ArraySlice<Float> { values[(p * n)..<((p + 1) * n)] }
        switch format {
        case .tiff, .npy:
            let stacked = Tensor(shape: [selection.count, h, w], values: selection.flatMap { plane($0.plane) })
            let url = stem.appendingPathExtension(format.fileExtension)
            if format == .tiff { try TIFFCodec.write(RawImage(tensor: stacked, dtype: .float32), to: url) } else { try NPY.write(stacked, to: url) }
            return [url]
        case .png:
            var written: [URL] = []
            do {
                for s in selection {
                    // "AoLP G" → "aolp_g"; mono planes have no colour suffix.
                    let colour = s.name.dropFirst(s.channel.descriptorName.count).trimmingCharacters(in: .whitespaces).lowercased()
                    let suffix = s.channel.rawValue + (colour.isEmpty ? "" : "_" + colour)
                    let url = stem.deletingLastPathComponent().appendingPathComponent(stem.lastPathComponent + "_" + suffix + ".png")
                    let codes = Tensor(shape: [1, h, w], values: plane(s.plane).map(s.channel.pngCode))
                    try PNGCodec.write(RawImage(tensor: codes, dtype: .uint16), to: url)
                    written.append(url)
                }
            } catch {
                for u in written { try? FileManager.default.removeItem(at: u) }
                throw error
            }
            return written
        }
    }
}
