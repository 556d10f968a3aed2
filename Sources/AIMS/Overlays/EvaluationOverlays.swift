import Autodiff
import Foundation
import ImageIO
import SimCMF
import TensorCore
import TensorFiles

/// `aims eval --overlays DIR`: per evaluated image a PNG at the model's mask size showing the input
/// (three channels, or one chosen channel in grey, each stretched min–max to 0–255), every region's
/// predicted mask blended in its colour (half opacity), the region's ground-truth outline in the same
/// colour (opaque) and its click as a green 5×5 square (box prompts: the box in yellow). The file is
/// `NNNNN-<id>-iou<mean IoU of the image>.png`; `overlays.csv` lists every region with its file,
/// colour, IoU, Dice and click. Under mpirun each rank draws its own images, and rank 0 writes
/// `overlays.csv` from every rank's gathered scores (docs/SCALING.md §7).
public struct EvaluationOverlays {
    public let folder: URL
    /// The input channels shown as R, G, B.
    public let displayChannels: [Int]

    /// Region colours, in region order per image (green is the click's).
    public static let palette: [MaskPictures.RGB] = [(255, 0, 0), (0, 128, 255), (255, 0, 255), (255, 160, 0), (0, 255, 255),
                                              (160, 80, 255), (255, 255, 255), (128, 64, 0)]
    public static let clickColour: MaskPictures.RGB = (0, 255, 0)
    public static let csvName = "overlays.csv"

    /// - Parameter channel: show this input channel in grey (0-based); nil: channels 0, 1, 2 (C < 3:
    ///   the last channel repeated, as the zero-shot alignment).
    public init(folder: URL, inputChannels: Int, channel: Int?) throws {
        if let channel, !(0..<inputChannels).contains(channel) {
            throw RunOptionError(message: "--overlay-channel must be in 0...\(inputChannels - 1) for \(inputChannels) input channels, got \(channel)")
        }
        self.folder = folder
        displayChannels = channel.map { [$0, $0, $0] } ?? MaskPictures.displayChannels(inputChannels)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            // Under mpirun every rank creates the folder: another may have made it since this one looked.
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { throw error }
        }
    }

    /// The background: `image [C, S, S]` → `[3, M, M]` (bilinear), each shown channel stretched to 0–255.
    static func background(_ image: Tensor, channels: [Int], size m: Int) -> Tensor {
        let picked = Tensor.concat(channels.map { image.slice(axis: 0, $0..<($0 + 1)) }, axis: 0)
        return MaskPictures.stretchedPlanes(interpolate(Variable(picked.unsqueezed(0)), size: (m, m), mode: .bilinear).value.reshaped([3, m, m]))
    }

    /// The overlay picture `[3, M, M]` (0–255) of one evaluated image.
    static func picture(_ p: ImagePrediction, channels: [Int]) -> Tensor {
        let m = p.maskSize
        let s = Float(m) / Float(p.example.image.shape[2])
        var out = background(p.example.image, channels: channels, size: m)
        let label = p.example.label.resizedNearest(height: m, width: m)
        for (k, r) in p.regions.enumerated() { MaskPictures.blend(&out, mask: r.mask, colour: palette[k % palette.count]) }
        for (k, r) in p.regions.enumerated() { MaskPictures.outline(&out, mask: label.mask(of: r.score.region), colour: palette[k % palette.count]) }
        for r in p.regions {
            if let b = r.box { MaskPictures.box(&out, [b.x0, b.y0, b.x1, b.y1].map { Double($0 * s) }, colour: (255, 255, 0)) }
            MaskPictures.click(&out, x: r.score.click.x * s, y: r.score.click.y * s, colour: clickColour)
        }
        return out
    }

    /// The PNG name of an image: index, identifier (characters other than letters, digits, `.-_` as `_`), mean IoU
    /// of `regions` (the image's, in region order).
    static func fileName(_ regions: [RegionScore]) -> String {
        let index = regions.first?.exampleIndex ?? 0
        let id = PredictionOutputs.stem(regions.first?.exampleID ?? "")
        let iou = regions.map(\.iou).reduce(0, +) / Double(max(regions.count, 1))
        return String(format: "%05d-%@-iou%.4f.png", index, id, iou)
    }

    /// Writes the image's PNG (atomically).
    public func write(_ p: ImagePrediction) throws {
        let name = EvaluationOverlays.fileName(p.regions.map(\.score))
        let picture = EvaluationOverlays.picture(p, channels: displayChannels)
        try PNGCodec.write(RawImage(tensor: picture, dtype: .uint8), to: folder.appendingPathComponent(name))
    }

    /// `overlays.csv`: `file,image_index,region,colour,iou,dice,click_x,click_y` (click in input pixels), a row per
    /// region of `regions` (every scored region, in example order: the file and colours follow from an image's
    /// regions alone, so the rows of images another rank drew are the rows that rank's pictures have).
    static func csv(_ regions: [RegionScore]) -> String {
        var text = "file,image_index,region,colour,iou,dice,click_x,click_y\n"
        var start = regions.startIndex
        while start < regions.endIndex {
            let end = regions[start...].firstIndex { $0.exampleIndex != regions[start].exampleIndex } ?? regions.endIndex
            let image = Array(regions[start..<end])
            let name = fileName(image)
            for (k, r) in image.enumerated() {
                let c = palette[k % palette.count]
                let colour = String(format: "#%02x%02x%02x", Int(c.0), Int(c.1), Int(c.2))
                text += "\(name),\(r.exampleIndex),\(r.region),\(colour),\(r.iou),\(r.dice),\(Int(r.click.x)),\(Int(r.click.y))\n"
            }
            start = end
        }
        return text
    }

    /// Writes `csv(regions)` to `overlays.csv` (atomically).
    public func writeCSV(_ regions: [RegionScore]) throws {
        try AtomicFile.write(Data(EvaluationOverlays.csv(regions).utf8), to: folder.appendingPathComponent(EvaluationOverlays.csvName))
    }
}
