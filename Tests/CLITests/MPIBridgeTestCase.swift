import Foundation
import TestDatasets
import XCTest

/// What the tests of `aims` under mpirun on a `BridgeDataset` set up alike: mpirun present (or the skip /
/// failure of `MPIRun.executable`), a fresh dataset of `sampleCount` samples before each test, removed with its
/// folder after it, and the tiny SAM ViT fixture as weights. A subclass overrides `sampleCount` and adds its own
/// set-up after `super.setUpWithError()`.
class MPIBridgeTestCase: XCTestCase {
    /// How many samples each test's dataset has.
    class var sampleCount: Int { 6 }

    var dataset: BridgeDataset!
    /// The dataset's parent folder (removed with it): where a test writes runs, CSVs and overlays.
    var folder: URL { dataset.root.deletingLastPathComponent() }
    let tinySAM = AimsProcess.tinySAM

    override func setUpWithError() throws {
        _ = try MPIRun.executable()
        dataset = try BridgeDataset.make(count: type(of: self).sampleCount)
    }
    override func tearDownWithError() throws { dataset?.remove() }
}
