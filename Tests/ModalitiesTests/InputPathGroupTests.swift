import Foundation
import Modalities
import XCTest

/// Command-line paths grouped for `samples(fromFiles:)`: folders alone, consecutive files (existing or not) together.
final class InputPathGroupTests: XCTestCase {
    func testFoldersSplitRunsOfFiles() throws {
        let data = try ScratchDataset()
        try data.copy(fixture: "images/png_gray8.png", to: "a/x.png")
        try data.copy(fixture: "images/png_gray8.png", to: "a/y.png")
        let x = data.root.appendingPathComponent("a/x.png").path, y = data.root.appendingPathComponent("a/y.png").path
        let folder = data.root.appendingPathComponent("a").path, missing = data.root.appendingPathComponent("none.png").path
        XCTAssertEqual(InputPathGroup.split([x, y, folder, y, missing, folder]),
                       [.files([x, y]), .folder(folder), .files([y, missing]), .folder(folder)])
        XCTAssertEqual(InputPathGroup.split([]), [])
    }
}
