import AIMS
import Foundation
import SimCMF

/// `aims predict-volume`: a 3-D mask for a NIfTI volume or a DICOM series, slice by slice with LiteMedSAM.
struct PredictVolumeCommand: Command {
    static let name = "predict-volume"
    static let summary = "segment a NIfTI volume or a DICOM series slice by slice with LiteMedSAM (box prompts)"
    static let discussion = """
    VOLUME is a .nii/.nii.gz file or a folder holding one DICOM series (slices ordered by Image Position (Patient)
    along the slice normal; several series in one folder are refused). Voxel coordinates: X = column i, Y = row j,
    Z = slice k (NIfTI's first, second and third axes). The volume is scaled to 0-255 once, as MedSAM's
    pre-processing: a CT window (--window, or 40,400 for DICOM CT) or, otherwise, the 0.5-99.5 percentiles of the
    voxels > 0. --box3d gives every slice Z0...Z1 the same box; --box with --slice segments that slice, then each
    neighbour with the previous mask's bounding box grown by --dilate pixels, until a mask is empty or no longer
    stands out: its mean intensity minus the mean in a 3-pixel ring around it falls below --min-contrast times
    the first slice's (LiteMedSAM returns a mask inside any box, even where the object has ended). The mask is a
    uint8 0/1 NIfTI-1 on the source's grid: a NIfTI source's qform, sform and pixdim are copied; a DICOM series
    gets the affine of its Image Position/Orientation (Patient), Pixel Spacing and slice step, in RAS+ (qform and
    sform code 1). One line per slice on stderr.
    """

    let volume = Option("volume", .path("PATH"), required: true, help: "a NIfTI file (.nii, .nii.gz) or a DICOM series folder")
    let box3d = Option("box3d", .numbers(6, "X0,Y0,Z0,X1,Y1,Z1"), help: "a 3-D box in voxels: the 2-D box on every slice Z0...Z1")
    let box = Option("box", .numbers(4, "X0,Y0,X1,Y1"), help: "a 2-D box in voxels on --slice, propagated to the neighbours")
    let slice = Option("slice", .index("Z"), help: "the slice of --box")
    let dilate = Option("dilate", .number(in: 0...1000, "PIXELS"), default: PropagationRule().dilation,
                        help: "growth of each propagated box (MedSAM: 3)")
    let minContrast = Option("min-contrast", .number(in: 0...1, "F"), default: PropagationRule().minimumContrast,
                             help: "stop propagating below this fraction of the first slice's contrast (0: only at an empty mask)")
    let out = Option("out", .path("MASK.nii[.gz]"), required: true, help: "the mask to write")
    let weights = Option("weights", .path("FILE"), defaultText: "$AIMS_CACHE/lite_medsam.pth, see scripts/fetch-weights",
                         help: "LiteMedSAM weights")
    let window = Option("window", .numbers(2, "CENTER,WIDTH"), defaultText: "40,400 for DICOM CT, else percentiles",
                        help: "CT window in the volume's units (HU)")
    let json = Flag("json", help: "the result as JSON on stdout")

    struct Output: Encodable {
        var volume: String
        var out: String
        var weights: String
        var result: VolumePrediction.Result
        var seconds: Double
    }

    func run(_ args: ParsedArguments) throws -> Int32 {
        let prompt: VolumePrompt
        switch (args[box3d], args[box], args[slice]) {
        case let (b?, nil, nil):
            guard [b[2], b[5]].allSatisfy({ $0 == $0.rounded() }), b[2] <= b[5] else {
                throw UsageError(message: "--box3d: expected whole slice numbers Z0 <= Z1, got \(b[2]) and \(b[5])")
            }
            prompt = .box3D(box: [b[0], b[1], b[3], b[4]], slices: Int(b[2])...Int(b[5]))
        case let (nil, b?, z?):
            prompt = .propagated(box: b, slice: z, rule: PropagationRule(dilation: args.value(dilate),
                                                                          minimumContrast: args.value(minContrast)))
        default:
            throw UsageError(message: "give either --box3d, or --box with --slice")
        }
        let weights = URL(fileURLWithPath: args[self.weights] ?? LiteMedSAM.defaultCheckpointURL().path)
        let volumePath = args.value(volume), outPath = args.value(out)
        let start = Date()
        let result = try VolumePrediction.run(
            volume: URL(fileURLWithPath: volumePath), prompt: prompt,
            model: {
                Console.error("aims predict-volume: loading \(weights.path)")
                return try TinyViTSAM(contentsOf: weights)
            },
            window: args[window].map { ($0[0], $0[1]) }, out: URL(fileURLWithPath: outPath)
        ) { s in
            let b = s.box.map { String(format: "%.0f", $0) }.joined(separator: ",")
            let contrast = s.contrast.map { String(format: ", contrast %.1f", $0) } ?? ""
            Console.error("aims predict-volume: slice \(s.slice): box \(b), \(s.pixels) pixels, predicted IoU "
                          + String(format: "%.3f", s.predictedIoU) + contrast + (s.kept ? "" : " (rejected: propagation stops)"))
        }
        if args[json] {
            try JSONOutput.print(Output(volume: volumePath, out: outPath, weights: weights.path, result: result,
                                        seconds: Date().timeIntervalSince(start)))
        } else {
            let extent = result.mask.boxVoxels.map { " in voxels \($0.map(String.init).joined(separator: ","))" } ?? ""
            print("\(outPath): \(result.mask.voxels) voxels (\(String(format: "%.2f", result.mask.millilitres)) ml)\(extent), "
                  + "\(result.slicesSegmented.count) slice(s) segmented, \(result.axisCodes) grid of \(result.source)")
        }
        return 0
    }
}
