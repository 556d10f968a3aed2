import Foundation
import TensorCore
import TensorKernels
import XCTest
@testable import Modalities

/// Samples named file by file (`aims predict --sample`): grouping, roots, ids, composites split into parts.
final class SamplesFromFilesTests: XCTestCase {
    func testSingleFilesAreOneSampleEach() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "images/png_gray8.png", to: "scans/a/x.png")
        try data.copy(fixture: "images/png_gray16.png", to: "scans/b/y.png")
        let nir = try ModalityRegistry.standard.require("nir")
        XCTAssertEqual(nir.filesPerSample, 1)
        let (root, samples) = try nir.samples(fromFiles: [data.root.appendingPathComponent("scans/a/x.png"),
                                                         data.root.appendingPathComponent("scans/b/y.png")])
        XCTAssertEqual(root.standardizedFileURL.path, data.root.appendingPathComponent("scans").standardizedFileURL.path)
        XCTAssertEqual(samples.map(\.id), ["a/x", "b/y"])
        XCTAssertEqual(samples.map(\.inputs), [["a/x.png"], ["b/y.png"]])
        XCTAssertEqual(try nir.decode(samples[1], root: root).values.shape, [1, 7, 13])
        XCTAssertTrue(message { _ = try nir.samples(fromFiles: [data.root.appendingPathComponent("scans/none.png")]) }.contains("none.png"))
    }

    /// RGB then NIR for `rgb+nir`: each part gets its own file, and the sample decodes as the dataset's would.
    func testCompositeFilesSplitIntoParts() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "images/png_rgba8.png", to: "rgb/b.png")
        try data.copy(fixture: "images/png_gray16.png", to: "nir/b.png")
        let composite = try ModalityRegistry.standard.require("rgb+nir")
        XCTAssertEqual(composite.filesPerSample, 2)
        let files = [data.root.appendingPathComponent("rgb/b.png"), data.root.appendingPathComponent("nir/b.png")]
        let (root, samples) = try composite.samples(fromFiles: files)
        XCTAssertEqual(samples.count, 1)
        XCTAssertEqual(samples[0].inputs, ["rgb/b.png", "nir/b.png"])
        XCTAssertEqual(samples[0].parts.map(\.inputs), [["rgb/b.png"], ["nir/b.png"]])
        let direct = try composite.decode(samples[0], root: root)
        let discovered = try composite.decode(try composite.samples(in: data.root)[0], root: data.root)
        XCTAssertEqual(direct.values.scalars, discovered.values.scalars)
        XCTAssertEqual(direct.channels.map(\.name), ["R", "G", "B", "NIR"])
        // Three files do not make whole samples of two.
        XCTAssertEqual(message { _ = try composite.samples(fromFiles: files + [files[0]]) }, "sample b: expected 2 input files, got 3")
    }
}
