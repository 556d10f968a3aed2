import Autodiff
import TensorCore
import TensorFiles

/// Loading a TinyViT from a state dict (`lite_medsam.pth`'s or `mobile_sam.pt`'s `image_encoder.*`) and reading
/// its architecture from the tensor shapes.
extension TinyViT {
    /// Sub-trees under the prefix that the encoder never reads: TinyViT's classification head, which MobileSAM's
    /// checkpoint keeps (`norm_head`: LayerNorm(320), `head`: Linear(320 → 1000); unused by `forward`).
    public static let ignoredSubtrees = ["norm_head.", "head."]

    /// Builds the encoder whose architecture the tensors under `prefix` describe (see
    /// `inferConfiguration`) and loads them.
    public convenience init(checkpoint archive: TensorArchive, prefix: String = "image_encoder", imageSize: Int? = nil) throws {
        let c = try TinyViT.inferConfiguration(from: archive, prefix: prefix, imageSize: imageSize)
        var g = SeededGenerator(seed: 0)
        try self.init(configuration: c, prefix: prefix, generator: &g)
        try load(archive)
    }

    /// Copies every parameter and BatchNorm running statistic from the tensors named `prefix.…` in
    /// `archive`. Ignored: `….num_batches_tracked` (int64 counters), the classification head
    /// (`ignoredSubtrees`) and tensors outside `prefix`.
    /// `….attention_bias_idxs`, if present, must equal the indices the window size implies.
    /// Nothing is changed unless everything matches; otherwise one `checkpointMismatch` lists every
    /// missing, unexpected and misshapen tensor.
    public func load(_ archive: TensorArchive) throws {
        var state: [String: Tensor] = [:]
        for t in archive.tensors where t.name.hasPrefix(prefix + ".") { state[t.name] = t.tensor }
        try load(state: state)
    }

    /// As `load(_:)` from full names (`image_encoder.…`) to tensors; names outside `prefix` are ignored.
    public func load(state: [String: Tensor]) throws {
        let targets = parameters + buffers
        let expected = Dictionary(uniqueKeysWithValues: targets.map { ($0.name, $0) })
        var indexChecks: [String: [Int]] = [:]
        for stage in attentionStages {
            for block in stage.blocks { indexChecks[dotted(block.attn.attentionBiases.name.dropLastComponent, "attention_bias_idxs")] = block.attn.attentionBiasIndices }
        }
        var missing: [String] = [], unexpected: [String] = [], misshapen: [String] = []
        for p in targets {
            guard let t = state[p.name] else { missing.append(p.name); continue }
            if t.shape != p.value.shape { misshapen.append("\(p.name) \(t.shape) (expected \(p.value.shape))") }
        }
        for (name, t) in state where name.hasPrefix(prefix + ".") && expected[name] == nil {
            if name.hasSuffix(".num_batches_tracked") { continue }
            if TinyViT.ignoredSubtrees.contains(where: { name.hasPrefix(dotted(prefix, $0)) }) { continue }
            if let indices = indexChecks[name] {
                let n = Int(Double(indices.count).squareRoot())
                if t.shape != [n, n] {
                    misshapen.append("\(name) \(t.shape) (expected \([n, n]))")
                } else if t.scalars.map({ Int($0) }) != indices {
                    misshapen.append("\(name) (values differ from the \(n)-token window's offset indices)")
                }
                continue
            }
            unexpected.append(name)
        }
        guard missing.isEmpty && unexpected.isEmpty && misshapen.isEmpty else {
            throw TinyViTError.checkpointMismatch(prefix: prefix, missing: missing, unexpected: unexpected.sorted(), misshapen: misshapen)
        }
        for p in targets { p.value = state[p.name]! }
    }

    /// The architecture the tensors under `prefix` describe: stage count, depths, widths, heads
    /// (`attention_biases [heads, window²]`), window sizes, MLP/MBConv ratios, local-conv kernel, the
    /// stem (1×1 or 3×3 kernels), input and neck channels. Not in the shapes, so by convention:
    /// PatchMerging strides follow `tiny_vit_sam.py`'s rule (`officialMergeStrides`), and `imageSize`
    /// is 256 for a 1×1 stem (LiteMedSAM) and 1024 for a 3×3 stem (MobileSAM) unless given. Stage 0's
    /// `numHeads`/`windowSizes` entries (unused by the conv stage) are 1.
    public static func inferConfiguration(from archive: TensorArchive, prefix: String = "image_encoder",
                                          imageSize: Int? = nil) throws -> TinyViTConfiguration {
        func shape(_ name: String) throws -> [Int] {
            guard let t = archive.entry(dotted(prefix, name)) else {
                throw TinyViTError.cannotInferArchitecture(prefix: prefix, reason: "\(dotted(prefix, name)) is absent")
            }
            return t.shape
        }
        func has(_ name: String) -> Bool { archive.entry(dotted(prefix, name)) != nil }
        let stem = try shape("patch_embed.seq.0.c.weight")
        guard stem.count == 4, stem[2] == stem[3], stem[2] == 1 || stem[2] == 3 else {
            throw TinyViTError.cannotInferArchitecture(prefix: prefix, reason: "patch_embed.seq.0.c.weight has shape \(stem), expected [C, in, 1, 1] or [C, in, 3, 3]")
        }
        var stages = 0
        while has("layers.\(stages).blocks.0.\(stages == 0 ? "conv1.c.weight" : "attn.qkv.weight")") { stages += 1 }
        guard stages >= 2 else {
            throw TinyViTError.cannotInferArchitecture(prefix: prefix, reason: "found \(stages) stages (layers.N.blocks.0), expected at least 2")
        }
        var dims: [Int] = [], depths: [Int] = [], heads: [Int] = [], windows: [Int] = []
        var mlpRatio = 4.0, expand = 4.0, localConv = 3
        for i in 0..<stages {
            var d = 0
            while has("layers.\(i).blocks.\(d).\(i == 0 ? "conv1.c.weight" : "attn.qkv.weight")") { d += 1 }
            depths.append(d)
            if i == 0 {
                let c1 = try shape("layers.0.blocks.0.conv1.c.weight")
                dims.append(c1[1]); heads.append(1); windows.append(1)
                expand = Double(c1[0]) / Double(c1[1])
            } else {
                let qkv = try shape("layers.\(i).blocks.0.attn.qkv.weight")
                let ab = try shape("layers.\(i).blocks.0.attn.attention_biases")
                let fc1 = try shape("layers.\(i).blocks.0.mlp.fc1.weight")
                let lc = try shape("layers.\(i).blocks.0.local_conv.c.weight")
                let ws = Int(Double(ab.last ?? 0).squareRoot().rounded())
                guard qkv.count == 2, ab.count == 2, ws * ws == ab[1], fc1.count == 2, lc.count == 4 else {
                    throw TinyViTError.cannotInferArchitecture(prefix: prefix, reason: "layers.\(i).blocks.0: qkv \(qkv), attention_biases \(ab) (expected [heads, window²]), fc1 \(fc1), local_conv \(lc)")
                }
                dims.append(qkv[1]); heads.append(ab[0]); windows.append(ws)
                mlpRatio = Double(fc1[0]) / Double(fc1[1])
                localConv = lc[2]
            }
        }
        let neck = try shape("neck.0.weight")
        let isPointwise = stem[2] == 1
        let c = TinyViTConfiguration(imageSize: imageSize ?? (isPointwise ? 256 : 1024), inChannels: stem[1],
                                     stem: isPointwise ? .pointwise : .strided3x3, embedDims: dims, depths: depths, numHeads: heads,
                                     windowSizes: windows, mlpRatio: mlpRatio, mbconvExpandRatio: expand, localConvSize: localConv,
                                     neckChannels: neck[0])
        try c.validate()
        return c
    }
}

extension String {
    /// `a.b.c` → `a.b`.
    fileprivate var dropLastComponent: String {
        guard let i = lastIndex(of: ".") else { return "" }
        return String(self[..<i])
    }
}
