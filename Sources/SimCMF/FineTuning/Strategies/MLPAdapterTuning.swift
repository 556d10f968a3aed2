import TensorCore

/// `sam_mlp_adapter`: `Adapter(d, 200, 0.1)` parallel to the MLP of every encoder block (fed the pre-norm2
/// stream) and of both two-way decoder layers (fed the pre-norm2 queries), as an `AdapterMLPPath` around
/// `ViTBlock.mlpPath` and `TwoWayAttentionBlock.mlpPath`. Names `….Adapter_mlp.{down,up}_proj.{weight,bias}`. ViT only.
public struct MLPAdapterTuning: FineTuningStrategy {
    public var hiddenDim: Int
    public var scale: Float
    public var encoder: Bool
    public var decoder: Bool

    public init(hiddenDim: Int = 200, scale: Float = 0.1, encoder: Bool = true, decoder: Bool = true) {
        self.hiddenDim = hiddenDim; self.scale = scale; self.encoder = encoder; self.decoder = decoder
    }

    public var name: String { "sam_mlp_adapter" }
    public var identifier: String { "adapter" }
    public func trains(_ name: String) -> Bool { name.contains("Adapter") }
    public func refusal(for family: EncoderFamily) -> String? {
        family == .vit ? nil
            : "a TinyViT block puts a depthwise local convolution between attention and MLP and its MLP has its own LayerNorm, "
                + "so the reference's adapter input (the stream before norm2) has no counterpart"
    }

    public func install(into model: any PromptableSAM, generator g: inout SeededGenerator) throws {
        guard hiddenDim >= 1 else { throw FineTuningError.invalidHyperParameter(field: "adapter hidden dim", value: "\(hiddenDim)") }
        try check(model.encoderFamily)
        try checkFree(model)
        if encoder, let vit = model.encoder as? ImageEncoderViT {
            let d = vit.configuration.encoderEmbedDim
            for (i, block) in vit.blocks.enumerated() {
                let adapter = MLPAdapter("image_encoder.blocks.\(i)", dim: d, hiddenDim: hiddenDim, scale: scale, generator: &g)
                block.mlpPath = AdapterMLPPath(base: block.mlpPath, adapter: adapter)
            }
        }
        if decoder {
            for (l, layer) in model.maskDecoder.transformer.layers.enumerated() {
                let d = layer.norm2.weight.value.shape[0]
                let adapter = MLPAdapter("mask_decoder.transformer.layers.\(l)", dim: d, hiddenDim: hiddenDim, scale: scale, generator: &g)
                layer.mlpPath = AdapterMLPPath(base: layer.mlpPath, adapter: adapter)
            }
        }
    }
}
