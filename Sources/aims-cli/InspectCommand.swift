import Foundation

/// `aims inspect FILE... [--json]`: format, dtype, shape and per-channel statistics of any file.
enum InspectCommand: Command {
    static let name = "inspect"
    static let summary = "print format, dtype, shape and per-channel min/max/mean of image and tensor files"
    static let usage = """
    Usage: aims inspect FILE... [--json]

    Reads each file with the decoder its content calls for (PNG, TIFF, PNM, NPY, safetensors, PyTorch .pth)
    and prints its format, element type, shape and per-channel minimum, maximum and mean.
      --json   one JSON object per file on stdout
    """

    static func run(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valueOptions: [], flagOptions: ["json"])
        guard !args.positional.isEmpty else { throw UsageError(message: "no FILE given") }
        Console.error("aims inspect: not yet wired to the decoders")
        return 1
    }
}
