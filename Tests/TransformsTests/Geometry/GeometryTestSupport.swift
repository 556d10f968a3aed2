import Foundation
import Tensor
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

/// Max |a − b| / max(1, |b|) after checking shapes.
func assertClose(_ a: Tensor, _ b: Tensor, tolerance: Float = 1e-5, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "shape \(message)", file: file, line: line)
    guard a.shape == b.shape else { return }
    let (x, y) = (a.scalars, b.scalars)
    var worst: Float = 0, at = 0
    for i in x.indices {
        let e = abs(x[i] - y[i]) / max(1, abs(y[i]))
        if !(e <= worst) { worst = e; at = i }
    }
    XCTAssertLessThanOrEqual(worst, tolerance, "\(message): worst error at flat index \(at): \(x[at]) vs \(y[at])",
                             file: file, line: line)
}

/// Circular distance between two angles of period `period`.
func angularDistance(_ a: Double, _ b: Double, period: Double) -> Double {
    let d = AngleChannelGeometry.wrap(a - b, period: period)
    return min(d, period - d)
}
