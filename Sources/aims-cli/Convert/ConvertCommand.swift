import AIMS
import Distributed
import Foundation
import Modalities

/// `aims convert MODALITY INPUT... --out DIR`: raw captures of any modality (built-in, JSON plugin, composite
/// `a+b`) to physical-unit files with their channel metadata; `polarization` and `hha` are subcommands with
/// their own options.
struct ConvertCommand: Command, RunsDistributed {
    static let name = "convert"
    static let summary = "convert raw captures of any modality to physical-unit files (TIFF, NPY, PNG, NIfTI), in bulk"
    static let discussion = """
    Decodes each input with the modality (`aims modalities` lists them; --plugin adds a JSON plugin; a+b is a
    composite) and writes its channels in physical units: thermal in °C (FLIR R-JPEG/FFF/SEQ by Planck radiometry
    with the file's constants and viewing conditions, each overridable), depth in metres, ct/dicom/nifti in their
    stored units (Hounsfield for CT), nir and plugins as stored × scale + offset.
    INPUT: files, consecutive ones making samples of the modality's files per sample in its decode order (e.g.
    `aims convert rgb+depth a_rgb.png a_depth.png`: RGB then depth; the output is named after the first), or a
    folder: the modality's samples (its sample patterns: multi-file samples and composites), else every file under
    it; relative paths are kept under DIR.
    Formats: tiff   one float32 TIFF per input (one sample per channel), channel names/units/kinds as JSON in its
                    ImageDescription; invalid pixels NaN
             npy    one float32 [C, H, W] array per input plus NAME.json (channels); invalid pixels NaN
             png    one 16-bit (--png-bits 8: 8-bit) PNG per input and channel, NAME_CHANNEL.png, plus NAME.json
                    stating physical = code x scale + offset per channel (°C: centikelvin; m: millimetres;
                    HU: HU + 32768, or --window; angles: period / 65535; else the image's own range); invalid = 0
             nifti  a volume (a .nii/.nii.gz file or a DICOM series folder) as one float32 NIfTI-1 on the source's
                    grid (qform/sform = the source's affine), NAME.nii.gz plus NAME.json
    --channels picks and orders channels by name; `valid` adds the valid-pixel mask (1 valid, 0 not).
    Every file is written under a temporary name and renamed when complete; a failed input leaves no output.
    Subcommands keep their own options: `aims convert polarization` (--layout, --method), `aims convert hha`.
    Progress and per-input errors go to stderr; --json prints a summary on stdout.
    Under mpirun -np N each rank converts a contiguous share of the inputs; rank 0 prints the summary of all.
    Exit status: 0 when every input converted, 1 when any failed, 64 on usage errors.
    """
    static let subcommands: [any Command.Type] = [ConvertPolarizationCommand.self, HHACommand.self]

    let modality = Positional(.string("MODALITY"), help: "a modality identifier (thermal, depth, ct, nifti, nir, ..., a plugin's, or a+b)")
    let inputs = Positional(.path("INPUT"), count: .oneOrMore, help: "a file, or a folder searched recursively")
    let out = Option("out", .path("DIR"), required: true, help: "the output folder")
    let plugin = Option("plugin", .path("SPEC.json"), repeatable: true, help: "a JSON modality plugin to register first")
    let channels = Option("channels", .list(of: .string("NAME"), placeholder: "a,b,..."), help: "the channels to write, in order (valid = the valid mask)")
    let format = Option("format", ValueType<ConversionFormat>.cases, default: .tiff, help: "the output file format (see above)")
    let frames = Option("frames", ValueType<ChannelConversion.Frames>.cases, default: .first,
                        help: "multi-frame inputs (FLIR SEQ): first, all (a file per frame) or stack (frames as channels)")
    let emissivity = Option("emissivity", .number(in: 0.001...1, "E"), help: "thermal: object emissivity instead of the file's")
    let reflected = Option("reflected-temperature", .number("°C"), help: "thermal: reflected apparent temperature, °C")
    let atmospheric = Option("atmospheric-temperature", .number("°C"), help: "thermal: atmospheric temperature, °C")
    let distance = Option("distance", .number(in: 0...1e6, "M"), help: "thermal: object distance, metres")
    let humidity = Option("humidity", .number(in: 0...1, "RH"), help: "thermal: relative humidity as a fraction 0-1")
    let depthScale = Option("depth-scale", .number(in: 1e-12...1e6, "METRES_PER_UNIT"), help: "depth: metres per unit of integer maps (default 0.001)")
    let window = Option("window", ValueType(placeholder: "C,W|PRESET", expectation: "CENTER,WIDTH in HU or a preset (\(CTWindow.presets.map(\.name).joined(separator: ", ")))",
                                            convert: { ConvertCommand.parseWindow($0) }),
                        help: "PNG: map Hounsfield channels through this CT window")
    let pngBits = Option("png-bits", .choice([(name: "16", value: 16), (name: "8", value: 8)]), default: 16, help: "PNG bits per sample")
    let json = Flag("json", help: "a summary on stdout")

    struct Summary: Encodable {
        var modality: String
        var format: String
        var channels: [String]
        var converted: [ChannelConversion.Converted]
        var failed: [ChannelConversion.Failed]
    }

    func run(_ args: ParsedArguments) throws -> Int32 {
        var registry = ModalityRegistry.standard
        for spec in args.all(plugin) { try registry.registerPlugin(at: URL(fileURLWithPath: spec)) }
        let overrides = ModalityOverrides(
            thermal: ThermalConditionOverrides(emissivity: args[emissivity], reflectedTemperatureCelsius: args[reflected],
                                               atmosphericTemperatureCelsius: args[atmospheric], objectDistanceMeters: args[distance],
                                               relativeHumidity: args[humidity]),
            depthMetersPerUnit: args[depthScale])
        let modality: any Modality
        do {
            modality = try overrides.apply(to: registry.require(args.value(self.modality)))
        } catch let e as ConversionError {
            throw UsageError(message: ChannelConversion.describe(e))
        } catch let e as ModalityError {
            throw UsageError(message: ChannelConversion.describe(e))
        }
        let format = args.value(self.format)
        let writer = ChannelFileWriter(format: format, channels: args[channels], pngBits: args.value(pngBits), window: args[window])
        do { _ = try writer.selection(modality.channels) } catch { throw UsageError(message: ChannelConversion.describe(error)) }
        let jobs = try ConversionInputs.jobs(args.all(inputs), modality: modality, volumes: format == .nifti)
        let conversion = ChannelConversion(modality: modality, writer: writer, frames: args.value(frames), notes: overrides.notes)
        // Under mpirun each rank converts a contiguous share of the inputs (rank 0 shows its own progress).
        let world = Job.world
        let share = Array(jobs[BatchShard.positions(rank: world.rank, size: world.size, count: jobs.count)])
        var progress = ProgressReporter(label: "convert", total: share.count, unit: "input")
        let local = conversion.run(share, into: URL(fileURLWithPath: args.value(out))) { done, job, error in
            if let error { Console.error("aims convert: \(Job.rankPrefix)\(job.display): \(ChannelConversion.describe(error))") }
            if Job.prints { progress.update(done, note: job.display) }
        }
        let result = try Self.gathered(local, on: world)
        guard Job.prints else { return Job.agreed(result.failed.isEmpty ? 0 : 1) }
        if args[json] {
            try JSONOutput.print(Summary(modality: modality.identifier, format: format.rawValue, channels: args[channels] ?? modality.channels.map(\.name),
                                         converted: result.converted, failed: result.failed))
        }
        Console.error("aims convert: \(result.converted.count) converted, \(result.failed.count) failed"
                      + (world.size > 1 ? " on \(world.size) ranks" : ""))
        return Job.agreed(result.failed.isEmpty ? 0 : 1)
    }

    /// Every rank's converted and failed inputs, in rank order (the order of the inputs: the shares are contiguous).
    static func gathered(_ local: (converted: [ChannelConversion.Converted], failed: [ChannelConversion.Failed]),
                         on world: any Communicator) throws -> (converted: [ChannelConversion.Converted], failed: [ChannelConversion.Failed]) {
        guard world.size > 1 else { return local }
        struct Part: Codable { var converted: [ChannelConversion.Converted]; var failed: [ChannelConversion.Failed] }
        let parts = try world.allGather(Array(try JSONEncoder().encode(Part(converted: local.converted, failed: local.failed))))
        let decoded = try parts.map { try JSONDecoder().decode(Part.self, from: Data($0)) }
        return (decoded.flatMap(\.converted), decoded.flatMap(\.failed))
    }

    /// `C,W` in HU, or a preset's name (`soft-tissue` for "soft tissue").
    static func parseWindow(_ text: String) -> CTWindow? {
        let key = text.lowercased().replacingOccurrences(of: "-", with: " ")
        if let preset = CTWindow.presets.first(where: { $0.name == key }) { return preset }
        let parts = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, parts.allSatisfy(\.isFinite), parts[1] >= 1 else { return nil }
        return CTWindow(name: "custom", center: parts[0], width: parts[1])
    }
}
