import Foundation
import ImageIO
@testable import Modalities
import TensorCore
import Transforms
import XCTest

/// The polarization plugin on real IMX250MZR captures, against polanalyser's output, the physics module and the scene.
final class PolarizationModalityTests: XCTestCase {
    func testRealMosaicEqualsThePhysicsModuleOnTheReferenceDecode() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "images/real_polarizer_crop.png", to: "polarization/polarizer.png")
        let modality = PolarizationModality.imx250mzrLegacy()
        let samples = try modality.samples(in: data.root)
        XCTAssertEqual(samples, [SampleFiles(id: "polarizer", inputs: ["polarization/polarizer.png"])])
        let image = try modality.decode(samples[0], root: data.root)
        XCTAssertEqual(image.channels, modality.channels)
        XCTAssertEqual(image.channels.map(\.name), ["S0", "DoLP", "AoLP"])
        // Truth: Pillow's decode of the same file (fixtures/images/ref) through the physics module.
        let pixels = try Fixtures.imageReference("real_polarizer_crop_png.bin", dtype: "uint8").map(Float.init)
        let angles = try PolarizationDemosaicing.demosaicMono(Tensor(shape: [64, 64], values: pixels), layout: .polanalyserLegacy)
        let expected = try PolarizationChannels.image(angleImages: angles).values.scalars
        let n = 64 * 64, v = image.values.scalars
        XCTAssertEqual(Array(v[0..<n]), Array(expected[0..<n]), "S0")
        XCTAssertEqual(Array(v[n..<(2 * n)]), expected[n..<(2 * n)].map { min($0, 1) }, "DoLP, capped at 1")
        XCTAssertEqual(Array(v[(2 * n)...]), Array(expected[(2 * n)...]), "AoLP")
        XCTAssertTrue(v[n..<(2 * n)].allSatisfy { $0 >= 0 && $0 <= 1 }, "DoLP in [0, 1]")
        XCTAssertTrue(v[(2 * n)...].allSatisfy { $0 >= 0 && $0 < .pi }, "AoLP in [0, π)")
        let unclamped = try PolarizationModality(identifier: "raw", capture: .monoMosaic(.polanalyserLegacy), clampDoLP: false)
        XCTAssertEqual(try unclamped.decode(samples[0], root: data.root).values.scalars, expected)
    }

    /// polanalyser 3.0.0 (`demosaicing` with cv2 rounding, `cvtStokesToDoLP/AoLP`) on a real fruits crop.
    func testMatchesPolanalyserOnRealFruits() throws {
        let data = try ScratchDataset()
        try data.writePNG(try Fixtures.physics("pol_fruits_raw"), dtype: .uint8, to: "polarization/fruits.png")
        let modality = try PolarizationModality(identifier: "p", capture: .monoMosaic(.sonyIMX250), method: .bilinearOpenCV,
                                                clampDoLP: false)
        let image = try modality.decode(try XCTUnwrap(modality.samples(in: data.root).first), root: data.root)
        let n = 64 * 64, v = image.values.scalars
        let dolp = try Fixtures.physics("pol_fruits_dolp").scalars, aolp = try Fixtures.physics("pol_fruits_aolp").scalars
        let s0 = try Fixtures.physics("pol_fruits_stokes").scalars
        assertClose(Array(v[0..<n]), Array(s0[0..<n]), tolerance: 1e-3, "S0")
        var checked = 0
        for i in 0..<n where s0[i] > 0 {
            XCTAssertEqual(v[n + i], dolp[i], accuracy: 1e-5 * max(1, dolp[i]), "DoLP at \(i)")
            let d = abs(v[2 * n + i] - aolp[i]).truncatingRemainder(dividingBy: .pi)
            if dolp[i] > 1e-3 { XCTAssertLessThan(min(d, .pi - d), 1e-4, "AoLP at \(i)") }
            checked += 1
        }
        XCTAssertGreaterThan(checked, n / 2)
    }

    /// The polarizer scene: four linear polarizers labelled 0°, 45°, 90°, 135°. The AoLP the plugin measures in each
    /// (Stokes S1, S2 recovered from DoLP·S0·cos/sin 2AoLP and summed over the crop) must match the label.
    func testPolarizerDisksReadTheirLabels() throws {
        let disks = try Fixtures.physics("pol_disks_raw").scalars
        let data = try ScratchDataset()
        for k in 0..<4 {
            try data.writePNG(Tensor(shape: [64, 64], values: Array(disks[(k * 4096)..<((k + 1) * 4096)])), dtype: .uint8,
                              to: "polarization/disk\(k).png")
        }
        let modality = PolarizationModality.imx250mzrLegacy(doubledAngle: true)
        let samples = try modality.samples(in: data.root)
        XCTAssertEqual(samples.map(\.id), ["disk0", "disk1", "disk2", "disk3"])
        for (k, label) in [0.0, 45, 90, 135].enumerated() {
            let image = try modality.decode(samples[k], root: data.root)
            XCTAssertEqual(image.channels.map(\.name), ["S0", "DoLP", "AoLP", "cos 2AoLP", "sin 2AoLP"])
            let v = image.values.scalars, n = 4096
            var s1 = 0.0, s2 = 0.0
            for i in 0..<n {
                let s0 = Double(v[i]), p = Double(v[n + i]), a = Double(v[2 * n + i])
                XCTAssertEqual(Double(v[3 * n + i]), cos(2 * a), accuracy: 1e-5)
                XCTAssertEqual(Double(v[4 * n + i]), sin(2 * a), accuracy: 1e-5)
                s1 += p * s0 * cos(2 * a)
                s2 += p * s0 * sin(2 * a)
            }
            var measured = atan2(s2, s1) / 2 * 180 / .pi
            if measured < 0 { measured += 180 }
            let d = abs(measured - label).truncatingRemainder(dividingBy: 180)
            XCTAssertLessThan(min(d, 180 - d), 10, "disk labelled \(label)° reads \(measured)°")
        }
    }

    /// ZJU-RGBP layout (four files per sample, label_sam) and SimCMF's encoding, against the numpy re-typing of
    /// `raw2rgbp` applied to polanalyser's angle images (fixtures/physics pol_fruits_zju).
    func testFourAngleZJULayoutMatchesTheReferenceFormula() throws {
        let angles = try Fixtures.physics("pol_fruits_demosaiced").scalars  // [4, 64, 64], integer-valued
        let data = try ScratchDataset()
        for (k, a) in [0, 45, 90, 135].enumerated() {
            try data.writePNG(Tensor(shape: [64, 64], values: Array(angles[(k * 4096)..<((k + 1) * 4096)])), dtype: .uint8,
                              to: "\(a)/fruits_\(a)°.png")
        }
        try data.writePNG(Tensor(shape: [64, 64], repeating: 1), dtype: .uint8, to: "label_sam/fruits.png")
        let modality = try PolarizationModality(identifier: "zju-grey", capture: .fourAngles(colours: 1), channelSet: .zju)
        let samples = try modality.samples(in: data.root)
        XCTAssertEqual(samples, [SampleFiles(id: "fruits", inputs: ["0/fruits_0°.png", "45/fruits_45°.png", "90/fruits_90°.png",
                                                                     "135/fruits_135°.png"], label: "label_sam/fruits.png")])
        let sample = try modality.transformSample(samples[0], root: data.root)
        XCTAssertEqual(sample.label?.shape, [64, 64])
        XCTAssertEqual(sample.image.channels.map(\.name), ["I", "AoLP (ZJU)", "DoLP (ZJU)"])
        XCTAssertEqual(sample.image.channels[1].kind, .angle(period: .pi / 2))
        assertClose(sample.image.values.scalars, try Fixtures.physics("pol_fruits_zju").scalars, tolerance: 1e-4)
        XCTAssertTrue(sample.image.values.scalars[4096..<8192].allSatisfy { abs($0) <= .pi / 4 + 1e-6 })
        XCTAssertNil(modality.normalization, "SimCMF's constants are for RGB captures")
        XCTAssertEqual(PolarizationModality.zjuRGBP().normalization?.mean.count, 9)
        XCTAssertEqual(PolarizationModality.zjuRGBP().channels.count, 9)
    }

    /// IMX250MYR colour mosaic against polanalyser's `COLOR_PolarRGB` (synthetic mosaic; no real colour capture exists).
    func testColourMosaicMatchesPolanalyser() throws {
        let data = try ScratchDataset()
        try data.writePNG(try Fixtures.physics("polrgb_raw"), dtype: .uint8, to: "polarization/rgb.png")
        let modality = try PolarizationModality(identifier: "c", capture: .colourMosaic(.sonyIMX250), method: .bilinearOpenCV)
        let sample = try XCTUnwrap(modality.samples(in: data.root).first)
        let angles = try modality.angleImages(sample, root: data.root)
        XCTAssertEqual(angles.shape, [4, 3, 24, 32])
        XCTAssertEqual(angles.scalars, try Fixtures.physics("polrgb_demosaiced").scalars)
        let image = try modality.decode(sample, root: data.root)
        XCTAssertEqual(image.channels.map(\.name), ["S0 R", "S0 G", "S0 B", "DoLP R", "DoLP G", "DoLP B", "AoLP R", "AoLP G", "AoLP B"])
        let plane = 3 * 24 * 32
        let expected = try PolarizationChannels.image(angleImages: angles).values.scalars.enumerated().map { i, x in
            (plane..<(2 * plane)).contains(i) ? min(x, 1) : x
        }
        XCTAssertEqual(image.values.scalars, expected)
    }

    func testBadInputsNameTheFile() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "images/png_rgb8.png", to: "polarization/colour.png")
        try data.copy(fixture: "images/png_gray8.png", to: "polarization/odd.png")  // 7 x 13: not a mosaic
        let m = PolarizationModality.imx250mzr()
        let samples = try m.samples(in: data.root)
        XCTAssertTrue(message { _ = try m.decode(samples[0], root: data.root) }.hasPrefix("polarization/colour.png: channels: expected 1"))
        XCTAssertTrue(message { _ = try m.decode(samples[1], root: data.root) }.hasPrefix("polarization/odd.png: mono polarization mosaic"),
                      message { _ = try m.decode(samples[1], root: data.root) })
        try FileManager.default.removeItem(at: data.root.appendingPathComponent("polarization/odd.png"))
        XCTAssertEqual(message { _ = try m.decode(samples[1], root: data.root) }, "polarization/odd.png: no such file (sample odd)")
    }
}
