import Foundation
import XCTest

/// The user's invariant: the model (SimCMF) never imports a modality, and a modality never
/// imports the model. Checked on the sources themselves.
final class LayeringTests: XCTestCase {
    private var sourcesRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
    }

    private func imports(inTarget target: String) throws -> Set<String> {
        let dir = sourcesRoot.appendingPathComponent(target)
        var found: Set<String> = []
        let files = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
                if let i = words.firstIndex(of: "import"), i + 1 < words.count,
                   words[..<i].allSatisfy({ $0.hasPrefix("@") || ["public", "internal", "private"].contains($0) }) {
                    found.insert(String(words[i + 1]))
                }
            }
        }
        return found
    }

    func testSimCMFDoesNotImportModalitiesOrImageIO() throws {
        let found = try imports(inTarget: "SimCMF")
        XCTAssertFalse(found.contains("Modalities"), "SimCMF imports Modalities")
        XCTAssertFalse(found.contains("Transforms"), "SimCMF imports Transforms")
        XCTAssertFalse(found.contains("ImageIO"), "SimCMF imports ImageIO")
    }

    func testModalitiesDoNotImportSimCMF() throws {
        for target in ["Modalities", "Transforms", "ImageIO", "Tensor"] {
            let found = try imports(inTarget: target)
            XCTAssertFalse(found.contains("SimCMF"), "\(target) imports SimCMF")
            XCTAssertFalse(found.contains("AIMS"), "\(target) imports AIMS")
        }
    }

    /// Each C kernel target has one Swift owner: the engine's kernels are Tensor's, the image-physics
    /// kernels (polarization) are Transforms'; every other target reaches them through Swift wrappers.
    func testKernelTargetsHaveOneOwner() throws {
        for target in ["Transforms", "ImageIO", "Modalities", "SimCMF", "AIMS", "aims-cli"] {
            XCTAssertFalse(try imports(inTarget: target).contains("CEngineKernels"), "\(target) imports CEngineKernels")
        }
        for target in ["Tensor", "ImageIO", "Modalities", "SimCMF", "AIMS", "aims-cli"] {
            XCTAssertFalse(try imports(inTarget: target).contains("CPhysicsKernels"), "\(target) imports CPhysicsKernels")
        }
        XCTAssertTrue(try imports(inTarget: "Tensor").contains("CEngineKernels"))
        XCTAssertTrue(try imports(inTarget: "Transforms").contains("CPhysicsKernels"))
    }

    func testTheCheckSeesImports() throws {
        // Guards the tests above against silently reading nothing.
        XCTAssertTrue(try imports(inTarget: "Modalities").contains("Transforms"))
    }
}
