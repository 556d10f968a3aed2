import Foundation

/// `aims inspect FILE... [--json] [--summary]`: format, dtype, shape and per-channel statistics.
enum InspectCommand: Command {
    static let name = "inspect"
    static let summary = "format, dtype, shape and per-channel min/max/mean of image, volume and tensor files"
    static let usage = """
    Usage: aims inspect FILE... [--json] [--summary]

    Recognises each file by its content and decodes it with aims' own readers:
      images   PNG, TIFF (every page), PNM          -> [C, H, W] per channel
      medical  DICOM (stored pixels and modality values, e.g. HU), NIfTI-1/2 (.nii, .nii.gz, .hdr)
      thermal  FLIR FFF, SEQ and radiometric JPEG  -> raw counts per frame, Planck constants
      tensors  NPY, safetensors, PyTorch .pth      -> one line per tensor
    Options:
      --json      one JSON object per file on stdout (statistics of empty arrays are null)
      --summary   totals per element type instead of one line per array
    Exit status: 0 when every file was read, 1 otherwise (each failure names the file and the field).
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valueOptions: [], flagOptions: ["json", "summary"])
        guard !args.positional.isEmpty else { throw UsageError(message: "no FILE given") }
        var failures = 0
        for path in args.positional {
            do {
                let report = try FileInspector.inspect(URL(fileURLWithPath: path))
                if args.flag("json") {
                    try JSONOutput.print(report)
                } else {
                    print(report.text(summaryOnly: args.flag("summary")))
                }
            } catch {
                failures += 1
                Console.error("aims inspect: \((error as? LocalizedError)?.errorDescription ?? String(describing: error))")
            }
        }
        return failures == 0 ? 0 : 1
    }
}
