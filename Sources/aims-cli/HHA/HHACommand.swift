import Foundation
import ImageIO
import Modalities
import Tensor
import Transforms

/// `aims hha DEPTH --fx --fy --cx --cy [--scale] --out hha.png`: HHA encoding of a metric depth map.
enum HHACommand: Command {
    static let name = "hha"
    static let summary = "HHA encoding (disparity, height above ground, angle to gravity) of a depth map"
    static let usage = """
    Usage: aims hha DEPTH --fx FX --fy FY --cx CX --cy CY [--scale METRES_PER_UNIT] --out hha.png [--json]

    DEPTH: 16-bit PNG/TIFF/PNM (default scale 0.001: millimetres), float TIFF (default scale 1: metres), NPY,
    or a RealSense raw .bin dump (8-byte header, then uint16 units; give --scale, e.g. 0.000124986647 for the SR300).
    Intrinsics in pixels, 0-based principal point. 0 depth = missing (HHA 0 there).
    Writes an 8-bit RGB PNG (R disparity, G height, B angle) atomically; prints the gravity estimate and floor height
    (--json: on stdout as JSON).
    """

    struct Summary: Encodable {
        var output: String
        var width: Int
        var height: Int
        var validPixels: Int
        var gravity: [Double]
        var floorHeightCentimeters: Double
    }

    static func run(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, valueOptions: ["fx", "fy", "cx", "cy", "scale", "out"], flagOptions: ["json"])
        guard args.positional.count == 1 else { throw UsageError(message: "expected one DEPTH file, got \(args.positional.count)") }
        func number(_ name: String) throws -> Double {
            guard let s = args.value(name) else { throw UsageError(message: "--\(name) is required") }
            guard let v = Double(s), v.isFinite else { throw UsageError(message: "--\(name): expected a number, got '\(s)'") }
            return v
        }
        guard let out = args.value("out") else { throw UsageError(message: "--out is required") }
        let intrinsics = try PinholeIntrinsics(fx: try number("fx"), fy: try number("fy"), cx: try number("cx"), cy: try number("cy"))
        let scale = try args.value("scale").map { _ in try number("scale") }
        let depthURL = URL(fileURLWithPath: args.positional[0])
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
        if args.flag("json") {
            try JSONOutput.print(summary)
        } else {
            Console.error(String(format: "aims hha: %@ (%dx%d, %d valid pixels); gravity (%.4f, %.4f, %.4f), floor %.1f cm",
                                 outURL.path, summary.width, summary.height, summary.validPixels,
                                 summary.gravity[0], summary.gravity[1], summary.gravity[2], summary.floorHeightCentimeters))
        }
        return 0
    }
}
