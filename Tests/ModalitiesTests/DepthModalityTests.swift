import Foundation
import ImageIO
@testable import Modalities
import TensorCore
import TensorFiles
import TestRequirements
import Transforms
import XCTest

/// The depth plugin on every supported encoding of one metric depth map (fixtures/physics hha_scene_depth, metres,
/// with a 4×10 hole of zeros), and — when the GPL-2 SR300 frames are present locally — on a real RealSense dump.
final class DepthModalityTests: XCTestCase {
    private func realSenseBytes(_ units: [UInt16], height: Int, width: Int) -> Data {
        var d = Data()
        for v in [UInt32(height), UInt32(width)] { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        for u in units { withUnsafeBytes(of: u.littleEndian) { d.append(contentsOf: $0) } }
        return d
    }

    func testEveryEncodingGivesMetresAndTheHoleMask() throws {
        let depth = try Fixtures.physics("hha_scene_depth")  // [96, 128] metres
        let z = depth.scalars, h = 96, w = 128
        let holes = z.indices.filter { z[$0] == 0 }
        XCTAssertEqual(holes.count, 40)
        let millimetres = z.map { ($0 * 1000).rounded() }
        let data = try ScratchDataset()
        try data.writePNG(Tensor(shape: [1, h, w], values: millimetres), dtype: .uint16, to: "depth/a_mm.png")
        try TIFFCodec.write(RawImage(tensor: depth.reshaped([1, h, w]), dtype: .float32), to: try data.url("depth/b_m.tif"))
        try NPY.write(depth, to: try data.url("depth/c_m.npy"))
        try NPY.write(Tensor(shape: [h, w], values: millimetres), as: .uint16, to: try data.url("depth/d_mm.npy"))
        let units = z.map { UInt16(($0 / 0.000124986647).rounded()) }
        try data.write(realSenseBytes(units, height: h, width: w), to: "depth/e_sr300.bin")

        let mm = try DepthModality()
        let samples = try mm.samples(in: data.root)
        XCTAssertEqual(samples.map(\.id), ["a_mm", "b_m", "c_m", "d_mm", "e_sr300"])
        let expectedMask = (0..<(h * w)).map { z[$0] > 0 ? Float(1) : 0 }
        for (k, sample) in samples.enumerated() where k < 4 {
            let image = try mm.decode(sample, root: data.root)
            XCTAssertEqual(image.channels, [ChannelDescriptor(name: "depth", unit: "m", kind: .depth)])
            XCTAssertEqual(image.values.shape, [1, h, w])
            XCTAssertEqual(image.validMask?.scalars, expectedMask, sample.id)
            let truth = k == 0 || k == 3 ? millimetres.map { Float(Double($0) * 0.001) } : z
            XCTAssertEqual(image.values.scalars, truth, sample.id)
        }
        let sr300 = DepthModality.realSenseSR300(pattern: "depth/{id}.bin")
        let e = try sr300.decode(try XCTUnwrap(sr300.samples(in: data.root).first), root: data.root)
        XCTAssertEqual(e.validMask?.scalars, expectedMask)
        assertClose(e.values.scalars, z, tolerance: 0.000063, "half a RealSense unit")
    }

    /// Every kind of hole (0, negative, NaN, ±infinity) in the 16-wide blocks and in the tail of a float map: 0 with
    /// mask 0; every positive finite depth kept as stored, mask 1.
    func testEveryKindOfHoleIsMaskedInBlocksAndTail() throws {
        let specials: [Float] = [0, -0.5, .nan, .infinity, -.infinity]
        let values = (0..<37).map { i in i % 7 == 5 ? specials[(i / 7) % specials.count] : Float(i) * 0.25 + 0.1 }
        let data = try ScratchDataset()
        try NPY.write(Tensor(shape: [1, 37], values: values), to: try data.url("depth/f.npy"))
        let mm = try DepthModality()
        let image = try mm.decode(try XCTUnwrap(mm.samples(in: data.root).first), root: data.root)
        let valid = values.map { $0 > 0 && $0.isFinite }
        XCTAssertEqual(valid.filter { !$0 }.count, 5)
        XCTAssertEqual(image.validMask?.scalars, valid.map { $0 ? 1 : 0 })
        XCTAssertEqual(image.values.scalars, zip(values, valid).map { $1 ? $0 : 0 })
    }

    func testHoleFillingFillsFromNeighboursAndKeepsTheMeasurementMask() throws {
        let depth = try Fixtures.physics("hha_scene_depth")
        let data = try ScratchDataset()
        try NPY.write(depth, to: try data.url("depth/scene.npy"))
        let filled = try DepthModality(holeFilling: DepthHoleFilling(maximumPasses: 8))
        let sample = try XCTUnwrap(filled.samples(in: data.root).first)
        let image = try filled.decode(sample, root: data.root)
        let z = depth.scalars, v = image.values.scalars
        XCTAssertEqual(image.validMask?.scalars.filter { $0 == 0 }.count, 40, "the mask still marks unmeasured pixels")
        for i in z.indices {
            if z[i] > 0 { XCTAssertEqual(v[i], z[i]) } else {
                // Filled with a mean of neighbours: inside the range of the measured ring around the 4×10 hole.
                let y = i / 128, x = i % 128
                var ring: [Float] = []
                for yy in max(0, y - 3)...min(95, y + 3) { for xx in max(0, x - 6)...min(127, x + 6) where z[yy * 128 + xx] > 0 { ring.append(z[yy * 128 + xx]) } }
                XCTAssertGreaterThan(v[i], 0, "pixel \(i) filled")
                XCTAssertGreaterThanOrEqual(v[i], ring.min()! - 1e-6)
                XCTAssertLessThanOrEqual(v[i], ring.max()! + 1e-6)
            }
        }
    }

    func testMalformedRealSenseHeaderIsNamed() throws {
        let data = try ScratchDataset()
        try data.write(realSenseBytes([1, 2, 3, 4, 5, 6], height: 4, width: 2), to: "depth/bad.bin")
        let m = DepthModality.realSenseSR300()
        let s = try XCTUnwrap(m.samples(in: data.root).first)
        XCTAssertEqual(message { _ = try m.decode(s, root: data.root) },
                       "depth/bad.bin: header height x width: expected 12 bytes of uint16 samples after the header, got 4 x 2")
        XCTAssertEqual(message { _ = try DepthModality(metersPerUnit: 0) }, "depth: metersPerUnit: expected > 0, got 0.0")
    }

    /// Local check on the real SR300 capture (GPL-2, never committed): the raw dump with the SR300 scale and the
    /// 16-bit millimetre PNG derived from it (round(raw × 0.124986647)) agree to half a millimetre.
    func testRealSR300FrameAgreesWithItsMillimetrePNG() throws {
        let folder = try OptionalData.sharedFile("depth/visp_castel_sr300/depth_image_0010.bin", "the GPL-2 SR300 frames")
            .deletingLastPathComponent()
        let raw = DepthModality.realSenseSR300(pattern: "depth_image_{id}.bin")
        let png = try DepthModality(pattern: "derived_depth_{id}_mm.png")
        let a = try raw.decode(SampleFiles(id: "0010", inputs: ["depth_image_0010.bin"]), root: folder)
        let b = try png.decode(SampleFiles(id: "0010", inputs: ["derived_depth_0010_mm.png"]), root: folder)
        XCTAssertEqual(a.values.shape, [1, 480, 640])
        XCTAssertEqual(a.validMask?.scalars, b.validMask?.scalars)
        assertClose(a.values.scalars, b.values.scalars, tolerance: 0.0005 + 1e-6)
        let valid = a.values.scalars.filter { $0 > 0 }
        XCTAssertGreaterThan(valid.min()!, 0.1)
        XCTAssertLessThan(valid.max()!, 1.0, "a castle model about 0.2–0.4 m from the camera")
    }
}
