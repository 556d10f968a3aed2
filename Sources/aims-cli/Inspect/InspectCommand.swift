import Foundation

/// `aims inspect FILE... [--json] [--summary]`: format, dtype, shape and per-channel statistics.
struct InspectCommand: Command {
    static let name = "inspect"
    static let summary = "format, dtype, shape and per-channel min/max/mean of image, volume and tensor files"
    static let discussion = """
    Recognises each file by its content and decodes it with aims' own readers:
      images   PNG, TIFF (every page), PNM          -> [C, H, W] per channel
      medical  DICOM (stored pixels and modality values, e.g. HU), NIfTI-1/2 (.nii, .nii.gz, .hdr)
      thermal  FLIR FFF, SEQ and radiometric JPEG  -> raw counts per frame, Planck constants
      tensors  NPY, safetensors, PyTorch .pth      -> one line per tensor
    Exit status: 0 when every file was read, 1 otherwise (each failure names the file and the field).
    """

    let files = Positional(.path("FILE"), count: .oneOrMore, help: "a file to inspect; each is reported in turn")
    let json = Flag("json", help: "one JSON object per file on stdout (statistics of empty arrays are null)")
    let summaryOnly = Flag("summary", help: "totals per element type instead of one line per array")

    func run(_ args: ParsedArguments) throws -> Int32 {
        var failures = 0
        for path in args.all(files) {
            do {
                let report = try FileInspector.inspect(URL(fileURLWithPath: path))
                if args[json] {
                    try JSONOutput.print(report)
                } else {
                    print(report.text(summaryOnly: args[summaryOnly]))
                }
            } catch {
                failures += 1
                Console.error("aims inspect: \((error as? LocalizedError)?.errorDescription ?? String(describing: error))")
            }
        }
        return failures == 0 ? 0 : 1
    }
}
