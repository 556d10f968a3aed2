import Foundation
import SimCMF
import TensorCore
import TensorFiles

/// MobileSAM's layout carrying LiteMedSAM's real weights, as scripts/make_mobilesam_fixtures.py builds it for
/// PyTorch's MobileSAM (`mobile_sam.pt` cannot be fetched here; fixtures/README.md "MobileSAM at 1024").
public enum MobileSAMStandIn {
    /// The two stem convolutions, 1×1 in LiteMedSAM and 3×3 stride 2 in MobileSAM.
    public static let stemNames = ["image_encoder.patch_embed.seq.0.c.weight", "image_encoder.patch_embed.seq.2.c.weight"]

    /// `state` (LiteMedSAM's tensors) as a MobileSAM checkpoint: each 1×1 stem kernel `w1 [out, in, 1, 1]` becomes
    /// `w3[o, i, ky, kx] = w1[o, i] · (TY[ky] · TX[kx])`, TY = (0.125, 0.625, 0.25), TX = (0.375, 0.5, 0.125) (dyadic
    /// factors, so the same float32 products as PyTorch's), and TinyViT's classification head (`norm_head`, `head`,
    /// zeros) is added, which a loader must ignore. Stems that are 3×3 already stay as they are.
    public static func checkpoint(from state: TensorArchive) -> TensorArchive {
        let ty: [Float] = [0.125, 0.625, 0.25], tx: [Float] = [0.375, 0.5, 0.125]
        var archive = state
        for i in archive.tensors.indices where stemNames.contains(archive.tensors[i].name) && archive.tensors[i].tensor.shape.suffix(2) == [1, 1] {
            let w1 = archive.tensors[i].tensor
            let (o, n) = (w1.shape[0], w1.shape[1])
            let values = w1.scalars.flatMap { w in (0..<9).map { w * (ty[$0 / 3] * tx[$0 % 3]) } }
            archive.tensors[i].tensor = Tensor(shape: [o, n, 3, 3], values: values)
        }
        let head: [(String, [Int])] = [("norm_head.weight", [320]), ("norm_head.bias", [320]), ("head.weight", [1000, 320]), ("head.bias", [1000])]
        for (name, shape) in head {
            archive.tensors.append(NamedTensor(name: "image_encoder." + name, storedDType: .float32, tensor: Tensor.zeros(shape)))
        }
        return archive
    }

    /// The provided LiteMedSAM checkpoint (`Provided.liteMedSAMCheckpoint`) as a MobileSAM checkpoint.
    public static func checkpoint() throws -> TensorArchive {
        checkpoint(from: try TensorFiles.read(try Provided.liteMedSAMCheckpoint()))
    }
}
