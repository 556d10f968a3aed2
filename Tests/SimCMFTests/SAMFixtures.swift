import Foundation
import TensorCore
import TensorFiles
import TestComparisons
import XCTest
@testable import SimCMF

/// fixtures/sam, written by scripts/make_sam_fixtures.py from the official segment-anything classes.
enum SAMFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/sam")
    static var pth: URL { directory.appendingPathComponent("sam_tiny.pth") }
    static var huggingFace: URL { directory.appendingPathComponent("sam_tiny_hf.safetensors") }

    /// The tiny model's architecture as built by the script (decoder heads 4: not visible in shapes).
    static let configuration = SAMConfiguration(encoderEmbedDim: 48, encoderDepth: 3, encoderHeads: 3, globalAttentionIndexes: [1],
                                                windowSize: 3, imageSize: 64, patchSize: 8, mlpRatio: 4, promptEmbedDim: 32,
                                                maskInChannels: 16, decoderDepth: 2, decoderHeads: 4, decoderMLPDim: 64,
                                                attentionDownsampleRate: 2, multimaskOutputs: 3, iouHeadDepth: 3, iouHeadHiddenDim: 32)

    static func archive(_ name: String) throws -> TensorArchive {
        try TensorFiles.read(directory.appendingPathComponent(name))
    }

    static func model() throws -> SAMModel { try SAMCheckpoint.load(contentsOf: pth, decoderHeads: 4) }
}

extension TensorArchive {
    func require(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tensor {
        try XCTUnwrap(self[name], "fixture tensor \(name) missing", file: file, line: line)
    }
}

/// Elementwise `|a − b| ≤ tol · max(1, |b|)` (forward outputs): `Tolerance.relative(tol, floor: 1)`.
func assertClose(_ a: Tensor, _ b: Tensor, tol: Float = 1e-4, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    assertClose(a, b, within: .relative(Double(tol), floor: 1), what, file: file, line: line)
}

/// `max|a − b| ≤ tol · max|b|` (gradients: relative to the tensor's largest magnitude): `Tolerance.toScale`.
/// An all-zero reference accepts only exact zeros.
func assertCloseToScale(_ a: Tensor, _ b: Tensor, tol: Float = 1e-3, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    assertClose(a, b, within: .toScale(Double(tol), floor: 0), what, file: file, line: line)
}
