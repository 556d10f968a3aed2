import Foundation
import ImageIO
import Modalities
import TensorFiles
import Transforms

/// `aims hha DEPTH --fx --fy --cx --cy [--scale] --out hha.png`: HHA encoding of a metric depth map.
struct HHACommand: Command {
    static let name = "hha"
    static let summary = "HHA encoding (disparity, height above ground, angle to gravity) of a depth map"
    static let discussion = """
    DEPTH: 16-bit PNG/TIFF/PNM (default scale 0.001: millimetres), float TIFF (default scale 1: metres), NPY,
    or a RealSense raw .bin dump (8-byte header, then uint16 units; give --scale, e.g. 0.000124986647 for the SR300).
    Intrinsics in pixels, 0-based principal point. 0 depth = missing (HHA 0 there).
    Writes an 8-bit RGB PNG (R disparity, G height, B angle) atomically; prints the gravity estimate and floor height
    (--json: on stdout as JSON).
    """

    let depth = Positional(.path("DEPTH"), help: "the depth map (see above for formats and units)")
    let fx = Option("fx", .number("FX"), required: true, help: "focal length in x, pixels")
    let fy = Option("fy", .number("FY"), required: true, help: "focal length in y, pixels")
    let cx = Option("cx", .number("CX"), required: true, help: "principal point x, pixels (0-based)")
    let cy = Option("cy", .number("CY"), required: true, help: "principal point y, pixels (0-based)")
    let scale = Option("scale", .number("METRES_PER_UNIT"), defaultText: "0.001 for integer maps, 1 for float",
                       help: "metres per stored depth unit")
    let out = Option("out", .path("hha.png"), required: true, help: "the HHA PNG to write")
    let json = Flag("json", help: "the summary as JSON on stdout")

    struct Summary: Encodable {
        var output: String
        var width: Int
        var height: Int
        var validPixels: Int
        var gravity: [Double]
        var floorHeightCentimeters: Double
    }

    func run(_ args: ParsedArguments) throws -> Int32 {
        let intrinsics = try PinholeIntrinsics(fx: args.value(self.fx), fy: args.value(self.fy), cx: args.value(self.cx), cy: args.value(self.cy))
        let scale = args[self.scale]
        let out = args.value(self.out)
        let depthURL = URL(fileURLWithPath: args.value(self.depth))
        guard FileManager.default.fileExists(atPath: depthURL.path) else {
            throw ModalityError.missingFile(file: depthURL.path, sample: "DEPTH")
        }
        let reader = try DepthModality(metersPerUnit: scale ?? 0.001, metersPerFloatUnit: scale ?? 1)
        let meters = try reader.depthMeters(at: depthURL, file: depthURL.lastPathComponent)
        let encoding = try HHAEncoder(intrinsics: intrinsics).encode(depthMeters: meters)
        let outURL = URL(fileURLWithPath: out)
        try PNGCodec.write(RawImage(tensor: encoding.hha, dtype: .uint8), to: outURL)
        let summary = Summary(output: outURL.path, width: meters.shape[2], height: meters.shape[1],
                              validPixels: Int(encoding.validMask.scalars.reduce(0, +)),
                              gravity: [encoding.gravity.x, encoding.gravity.y, encoding.gravity.z],
                              floorHeightCentimeters: encoding.floorHeightCentimeters)
        if args[self.json] {
            try JSONOutput.print(summary)
        } else {
            Console.error(String(format: "aims hha: %@ (%dx%d, %d valid pixels); gravity (%.4f, %.4f, %.4f), floor %.1f cm",
                                 outURL.path, summary.width, summary.height, summary.validPixels,
                                 summary.gravity[0], summary.gravity[1], summary.gravity[2], summary.floorHeightCentimeters))
        }
        return 0
    }
}
