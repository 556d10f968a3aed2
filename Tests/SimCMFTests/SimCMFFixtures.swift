import Foundation
import TensorFiles
import XCTest
@testable import SimCMF

/// fixtures/simcmf, written by scripts/make_simcmf_fixtures.py (the reference's projector and PEFT
/// modules re-implemented on the official segment-anything classes; the small SAM of fixtures/sam).
enum SimCMFFixtures {
    static let directory = SAMFixtures.directory.deletingLastPathComponent().appendingPathComponent("simcmf")
    /// Input channels of the fixtures' modality.
    static let channels = 4
    /// The script's scaled-down hyper-parameters (LORA_R, ADAPTER_R, PROMPT_L, PREFIX_L).
    static let strategies: [String: any FineTuningStrategy] = [
        "full": FullFineTuning(), "linear": LinearProbing(), "lora": LoRATuning(rank: 4),
        "adapter": MLPAdapterTuning(hiddenDim: 8), "prompt": VisualPromptTuning(length: 5), "prefix": PrefixTuning(length: 4), "ia3": IA3Tuning(),
    ]

    static func archive(_ name: String) throws -> TensorArchive {
        try TensorFiles.read(directory.appendingPathComponent(name))
    }

    /// The script's two clicks (one per image), in model-input pixels.
    static func prompts(_ a: TensorArchive) throws -> SAMPrompts {
        SAMPrompts(pointCoordinates: try a.require("points"), pointLabels: try a.require("labels"))
    }
}
