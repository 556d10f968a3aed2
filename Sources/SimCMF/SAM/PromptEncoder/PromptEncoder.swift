import Autodiff
import TensorCore

/// SAM's prompt encoder (`prompt_encoder.*`): sparse embeddings `[B, N, D]` for points and boxes,
/// dense embeddings `[B, D, h, w]` for a low-resolution mask (or the learned no-mask embedding), and the
/// dense positional encoding of the image-embedding grid. Generic in D, the input image size and the
/// embedding grid (SAM: D 256, input 1024, grid 64; LiteMedSAM: input 256, grid 64).
public final class PromptEncoder: Module {
    public let embedDim: Int
    /// `(h, w)` of the image embedding, and `(H, W)` of the (padded) model input in pixels.
    public let imageEmbeddingSize: (h: Int, w: Int)
    public let inputImageSize: (h: Int, w: Int)
    public let peLayer: PositionEmbeddingRandom
    /// `point_embeddings.{0..3}`: negative point, positive point, box top-left, box bottom-right.
    public let pointEmbeddings: [EmbeddingTable]
    public let notAPointEmbed: EmbeddingTable
    public let noMaskEmbed: EmbeddingTable
    /// `mask_downscaling`: Conv(1→m/4, k2 s2) → LN2d → GELU → Conv(m/4→m, k2 s2) → LN2d → GELU → Conv(m→D, k1).
    public let maskConv1: Conv2dLayer, maskNorm1: LayerNorm2d
    public let maskConv2: Conv2dLayer, maskNorm2: LayerNorm2d
    public let maskConv3: Conv2dLayer

    public init(_ prefix: String = "prompt_encoder", embedDim: Int, imageEmbeddingSize: (h: Int, w: Int),
                inputImageSize: (h: Int, w: Int), maskInChannels: Int = 16, generator: inout SeededGenerator) {
        self.embedDim = embedDim
        self.imageEmbeddingSize = imageEmbeddingSize
        self.inputImageSize = inputImageSize
        peLayer = PositionEmbeddingRandom(dotted(prefix, "pe_layer"), featureCount: embedDim / 2, generator: &generator)
        pointEmbeddings = (0..<4).map { EmbeddingTable(dotted(prefix, "point_embeddings.\($0)"), count: 1, dim: embedDim, generator: &generator) }
        notAPointEmbed = EmbeddingTable(dotted(prefix, "not_a_point_embed"), count: 1, dim: embedDim, generator: &generator)
        let m = maskInChannels
        maskConv1 = Conv2dLayer(dotted(prefix, "mask_downscaling.0"), inChannels: 1, outChannels: m / 4, kernel: 2, stride: 2, generator: &generator)
        maskNorm1 = LayerNorm2d(dotted(prefix, "mask_downscaling.1"), channels: m / 4)
        maskConv2 = Conv2dLayer(dotted(prefix, "mask_downscaling.3"), inChannels: m / 4, outChannels: m, kernel: 2, stride: 2, generator: &generator)
        maskNorm2 = LayerNorm2d(dotted(prefix, "mask_downscaling.4"), channels: m)
        maskConv3 = Conv2dLayer(dotted(prefix, "mask_downscaling.6"), inChannels: m, outChannels: embedDim, kernel: 1, generator: &generator)
        noMaskEmbed = EmbeddingTable(dotted(prefix, "no_mask_embed"), count: 1, dim: embedDim, generator: &generator)
    }

    /// Learned parameters in state-dict order (the Gaussian matrix is a buffer: see `buffers`).
    public var parameters: [Parameter] {
        var all: [Parameter] = pointEmbeddings.flatMap(\.parameters)
        all += notAPointEmbed.parameters
        let masks: [any Module] = [maskConv1, maskNorm1, maskConv2, maskNorm2, maskConv3]
        all += masks.flatMap(\.parameters)
        return all + noMaskEmbed.parameters
    }
    /// Saved, never trained: `pe_layer.positional_encoding_gaussian_matrix`.
    public var buffers: [Parameter] { [peLayer.gaussianMatrix] }

    /// `get_dense_pe()`: `[1, D, h, w]` for the built grid, or for `grid` (another input size).
    public func densePositionalEncoding(grid: (h: Int, w: Int)? = nil) -> Tensor {
        let g = grid ?? imageEmbeddingSize
        return peLayer.grid(h: g.h, w: g.w)
    }

    /// Checks the prompts' shapes and labels (mask inputs are `4·grid`).
    public func validate(_ p: SAMPrompts, grid: (h: Int, w: Int)? = nil) throws {
        let b = p.batchSize
        if let c = p.pointCoordinates {
            guard c.rank == 3, c.shape[2] == 2, c.shape[1] > 0 else {
                throw SAMError.shapeMismatch(field: "pointCoordinates", expected: "[B, N, 2] with N > 0", got: c.shape)
            }
            guard let l = p.pointLabels else { throw SAMError.invalidValue(field: "pointLabels", expected: "labels [B, N] with the points") }
            guard l.shape == [c.shape[0], c.shape[1]] else {
                throw SAMError.shapeMismatch(field: "pointLabels", expected: "[\(c.shape[0]), \(c.shape[1])] like the points", got: l.shape)
            }
            guard l.scalars.allSatisfy({ $0 == -1 || $0 == 0 || $0 == 1 }) else {
                throw SAMError.invalidValue(field: "pointLabels", expected: "values in {-1, 0, 1}")
            }
        } else if let l = p.pointLabels {
            throw SAMError.shapeMismatch(field: "pointCoordinates", expected: "points [B, N, 2] with the labels", got: l.shape)
        }
        if let bx = p.boxes, bx.shape != [b, 4] {
            throw SAMError.shapeMismatch(field: "boxes", expected: "[\(b), 4]", got: bx.shape)
        }
        let g = grid ?? imageEmbeddingSize
        let mh = 4 * g.h, mw = 4 * g.w
        if let m = p.masks, m.shape != [b, 1, mh, mw] {
            throw SAMError.shapeMismatch(field: "masks", expected: "[\(b), 1, \(mh), \(mw)]", got: m.shape)
        }
    }

    /// `(sparse [B, N', D], dense [B, D, h, w])`; N' = points (+1 padding point when there is no box)
    /// + 2 per box. Differentiable with respect to the learned embeddings and `mask_downscaling`.
    ///
    /// By default the geometry is the built one; for another model-input size pass the input
    /// `(H, W)` in pixels (coordinates are normalised by it) and the embedding grid `(h, w)` — the
    /// official module is built with exactly these two values, which carry no weights.
    public func callAsFunction(_ prompts: SAMPrompts, inputImageSize inputSize: (h: Int, w: Int)? = nil,
                               grid: (h: Int, w: Int)? = nil) throws -> (sparse: Variable, dense: Variable) {
        try validate(prompts, grid: grid)
        let input = inputSize ?? inputImageSize, g = grid ?? imageEmbeddingSize
        let b = prompts.batchSize
        var parts: [Variable] = []
        if let c = prompts.pointCoordinates, let l = prompts.pointLabels {
            parts.append(embedPoints(c, labels: l, pad: prompts.boxes == nil, inputSize: input))
        }
        if let bx = prompts.boxes { parts.append(embedBoxes(bx, inputSize: input)) }
        let sparse = parts.isEmpty ? Variable(Tensor(shape: [b, 0, embedDim])) : parts.count == 1 ? parts[0] : Variable.concat(parts, axis: 1)
        let dense: Variable
        if let m = prompts.masks {
            dense = embedMasks(Variable(m))
        } else {
            dense = noMaskEmbed.weight.variable.reshaped([1, embedDim, 1, 1])
                + Variable(Tensor(shape: [b, embedDim, g.h, g.w]))
        }
        return (sparse, dense)
    }

    /// Points `[B, N, 2]` with labels `[B, N]` → `[B, N(+1), D]`.
    func embedPoints(_ coords: Tensor, labels: Tensor, pad: Bool, inputSize: (h: Int, w: Int)) -> Variable {
        let (B, N) = (coords.shape[0], coords.shape[1])
        var points = coords + 0.5
        var labelValues = labels.scalars.map { Int($0) }
        var n = N
        if pad {
            points = Tensor.concat([points, Tensor(shape: [B, 1, 2])], axis: 1)
            labelValues = (0..<B).flatMap { i in Array(labelValues[(i * N)..<((i + 1) * N)]) + [-1] }
            n += 1
        }
        let pe = peLayer.encode(pixelCoordinates: points, imageSize: inputSize)
        // pe is zeroed for padding points; then each point adds its label's embedding row.
        let keep = Tensor(shape: [B, n, 1], values: labelValues.map { $0 == -1 ? 0 : 1 })
        let table = Variable.concat([notAPointEmbed.weight.variable, pointEmbeddings[0].weight.variable,
                                     pointEmbeddings[1].weight.variable], axis: 0)
        return Variable(pe * keep) + embedding(table, indices: labelValues.map { $0 + 1 }, shape: [B, n])
    }

    /// Boxes `[B, 4]` → corner embeddings `[B, 2, D]`.
    func embedBoxes(_ boxes: Tensor, inputSize: (h: Int, w: Int)) -> Variable {
        let B = boxes.shape[0]
        let corners = (boxes + 0.5).reshaped([B, 2, 2])
        let pe = peLayer.encode(pixelCoordinates: corners, imageSize: inputSize)
        let cornerEmbeddings = Variable.concat([pointEmbeddings[2].weight.variable, pointEmbeddings[3].weight.variable], axis: 0)
        return Variable(pe) + cornerEmbeddings.reshaped([1, 2, embedDim])
    }

    /// `masks [B, 1, 4h, 4w]` → `[B, D, h, w]`.
    func embedMasks(_ masks: Variable) -> Variable {
        maskConv3(gelu(maskNorm2(maskConv2(gelu(maskNorm1(maskConv1(masks)))))))
    }
}
