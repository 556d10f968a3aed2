import Foundation
import Tensor
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

/// Elementwise `|a − b| ≤ tol · max(1, |b|)` (forward outputs).
func assertClose(_ a: Tensor, _ b: Tensor, tol: Float = 1e-4, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "\(what): shape", file: file, line: line)
    guard a.shape == b.shape else { return }
    var worst: Float = 0, at = 0
    let x = a.scalars, y = b.scalars
    for i in 0..<x.count {
        let excess = Swift.abs(x[i] - y[i]) / Swift.max(1, Swift.abs(y[i]))
        if !(excess <= worst) { worst = excess; at = i }
    }
    XCTAssert(worst <= tol, "\(what): element \(at) got \(x[at]) expected \(y[at]) (relative error \(worst) > \(tol))", file: file, line: line)
}

/// `max|a − b| ≤ tol · max|b|` (gradients: relative to the tensor's largest magnitude).
func assertCloseToScale(_ a: Tensor, _ b: Tensor, tol: Float = 1e-3, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "\(what): shape", file: file, line: line)
    guard a.shape == b.shape else { return }
    let x = a.scalars, y = b.scalars
    let scale = y.map { Swift.abs($0) }.max() ?? 0
    var worst: Float = 0
    for i in 0..<x.count { worst = Swift.max(worst, Swift.abs(x[i] - y[i])) }
    XCTAssert(scale > 0 || worst == 0, "\(what): reference is all zero but got max \(worst)", file: file, line: line)
    XCTAssert(worst <= tol * scale, "\(what): max error \(worst) > \(tol) × \(scale)", file: file, line: line)
}
