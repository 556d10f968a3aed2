import Foundation
import ImageIO
import Autodiff
import TensorCore
import TensorFiles
import TestComparisons
import XCTest
@testable import Modalities

/// MedSAM's CT pre-processing (window, min-max to 0–255, uint8 truncation) against the input
/// that scripts/make_tinyvit_fixtures.py prepared in NumPy/PyTorch from the same DICOM slice
/// (fixtures/tinyvit/litemedsam_encoder.safetensors `input`: the result / 255, repeated to 3
/// channels and resized 128 → 256 with F.interpolate(bilinear, align_corners=False)).
final class MedSAMWindowTests: XCTestCase {
    func testCTSliceMatchesThePythonPipeline() throws {
        let hu = try DICOMImage(contentsOf: Fixtures.url("medical/CT_small.dcm")).modalityValues()  // [1, 128, 128]
        let intensities = CTWindow.softTissue.medSAMIntensities(hu)
        // Integers 0…255, spanning the whole range (the clipped slice's min and max map to 0 and 255).
        let v = intensities.scalars
        XCTAssertTrue(v.allSatisfy { $0 == $0.rounded() && (0...255).contains($0) })
        XCTAssertEqual(v.min(), 0)
        XCTAssertEqual(v.max(), 255)

        let expected = try XCTUnwrap(TensorFiles.read(Fixtures.url("tinyvit/litemedsam_encoder.safetensors"))["input"])
        let scaled = intensities * Tensor(shape: [], values: [1 / 255])
        let resized = interpolate(Variable(scaled.unsqueezed(0)), size: (256, 256), mode: .bilinear).value
        let channel0 = expected.slice(axis: 1, 0..<1)
        XCTAssertEqual(resized.shape, channel0.shape)
        // One truncation step off would show as ≥ 1/255 ≈ 0.004 somewhere.
        assertClose(resized, channel0, within: .absolute(1e-6), "windowed, scaled and resized slice")
    }

    func testConstantSliceGivesZeros() {
        let flat = Tensor(shape: [1, 4, 4], repeating: 1000)
        XCTAssertEqual(CTWindow.softTissue.medSAMIntensities(flat).scalars, Array(repeating: 0, count: 16))
    }
}
