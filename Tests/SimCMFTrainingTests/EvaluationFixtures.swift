import Foundation
import Autodiff
import TensorCore
import TensorFiles
import XCTest
@testable import SimCMF

/// fixtures/eval, written by scripts/make_eval_fixtures.py (NumPy re-implementation of the
/// reference's utils.iou, utils.dice_coeff and function.py's mIoU).
enum EvalFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/eval")

    struct Pair: Decodable { let image: Int; let region: Int32; let click: [Int]; let pixel_count: Int; let iou: Double; let dice: Double }
    struct Train: Decodable { let image: Int; let candidates: [Int32]; let reference_candidates: [Int32] }
    struct Reference: Decodable {
        let input_size: Int, mask_size: Int, threshold: Int
        let pairs: [Pair]
        let mIoU: Double, mDice: Double, skipped_images: Int
        let target_rows: [Int]
        let training: [Train]
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: directory.appendingPathComponent("reference.json")))
    }

    /// The label maps `[N, S, S]`.
    static func labels() throws -> [LabelMap] {
        let t = try NPY.read(directory.appendingPathComponent("labels.npy")).tensors[0].tensor
        let (n, s) = (t.shape[0], t.shape[1])
        return (0..<n).map { LabelMap(t.slice(axis: 0, $0..<($0 + 1)).reshaped([s, s])) }
    }

    /// Logits `[K, M, M]` in pair order.
    static func logits() throws -> Tensor { try NPY.read(directory.appendingPathComponent("logits.npy")).tensors[0].tensor }

    /// The fixture's examples (image k filled with k) and a `LookupModel` answering each reference click with its logits.
    static func setup() throws -> (Reference, InMemoryExampleSource, LookupModel) {
        let ref = try Self.reference()
        let labels = try Self.labels()
        let logits = try Self.logits()
        let (s, m) = (ref.input_size, ref.mask_size)
        var table: [String: Tensor] = [:]
        for (k, p) in ref.pairs.enumerated() {
            table[LookupModel.key(image: p.image, x: p.click[0], y: p.click[1])] = logits.slice(axis: 0, k..<(k + 1)).reshaped([m, m])
        }
        let examples = labels.enumerated().map { k, l in
            TrainingExample(id: "img\(k)", image: Tensor(shape: [1, s, s], repeating: Float(k)), label: l)
        }
        return (ref, InMemoryExampleSource(examples), LookupModel(inputSize: s, maskSize: m, table: table))
    }
}

/// A model that answers each (image, click) with given logits: it tests the protocol around the
/// model (which clicks, which targets, which metrics) without a network. The image of example k is
/// filled with the value k; `embed` passes it through.
final class LookupModel: SegmentationModel {
    let inputSize: Int, maskSize: Int
    var inputChannels: Int { 1 }
    var parameters: [Parameter] { [] }
    var table: [String: Tensor]
    private(set) var decodeCalls = 0, embedCalls = 0

    init(inputSize: Int, maskSize: Int, table: [String: Tensor]) { self.inputSize = inputSize; self.maskSize = maskSize; self.table = table }

    static func key(image: Int, x: Int, y: Int) -> String { "\(image):\(x),\(y)" }

    func embed(_ images: Variable) throws -> Variable { embedCalls += 1; return images }

    func decode(embeddings: Variable, prompts: SAMPrompts) throws -> Variable {
        decodeCalls += 1
        let image = Int(embeddings.value.scalars[0])
        guard let p = prompts.pointCoordinates?.scalars, p.count == 2, prompts.pointLabels?.scalars == [1] else {
            throw TrainingError.empty(field: "one positive click")
        }
        let k = LookupModel.key(image: image, x: Int(p[0]), y: Int(p[1]))
        guard let t = table[k] else { throw TrainingError.empty(field: "lookup \(k) (unexpected click)") }
        return Variable(t.reshaped([1, 1, maskSize, maskSize]))
    }
}
