import Foundation
import TensorCore
import TensorFiles
import TestComparisons
import Transforms
import XCTest

/// Reads fixtures/geometry/*.safetensors (written by scripts/make_geometry_fixtures.py).
enum GeometryFixtures {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/geometry")

    static func archive(_ file: String) throws -> TensorArchive {
        try Safetensors.read(directory.appendingPathComponent(file))
    }

    static func tensor(_ archive: TensorArchive, _ name: String) throws -> Tensor {
        guard let t = archive[name] else {
            throw NSError(domain: "GeometryFixtures", code: 1, userInfo: [NSLocalizedDescriptionKey: "no tensor \(name)"])
        }
        return t
    }
}

func intensityImage(_ values: Tensor, mask: Tensor? = nil) -> ChannelImage {
    ChannelImage(values: values,
                 channels: (0..<values.shape[0]).map { ChannelDescriptor(name: "I\($0)", unit: "1", kind: .intensity) },
                 validMask: mask)
}

/// Applies one transform with a throw-away generator.
func applyOnce(_ t: some ChannelTransform, _ sample: TransformSample, seed: UInt64 = 0) throws -> TransformSample {
    var g = SeededGenerator(seed: seed)
    return try t.apply(sample, generator: &g)
}

/// |a − b| ≤ tolerance · max(1, |b|) elementwise after checking shapes: `Tolerance.relative(tolerance, floor: 1)`.
func assertClose(_ a: Tensor, _ b: Tensor, tolerance: Float = 1e-5, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    assertClose(a, b, within: .relative(Double(tolerance), floor: 1), message, file: file, line: line)
}

/// Circular distance between two angles of period `period`.
func angularDistance(_ a: Double, _ b: Double, period: Double) -> Double {
    let d = AngleChannelGeometry.wrap(a - b, period: period)
    return min(d, period - d)
}
