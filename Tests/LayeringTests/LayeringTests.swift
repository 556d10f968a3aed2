import Foundation
import XCTest

/// The user's invariant: the model (SimCMF) never imports a modality, and a modality never
/// imports the model. Also the tensor engine's own layering (TensorCore → TensorFiles, TensorKernels →
/// Autodiff → EngineBench), the one Swift owner of each C kernel target, and `Package.swift`'s
/// dependency lists against the imports. Checked on the sources themselves.
final class LayeringTests: XCTestCase {
    private var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    private var sourcesRoot: URL { packageRoot.appendingPathComponent("Sources") }

    /// The tensor engine's targets, lowest layer first.
    private let tensorTargets = ["TensorCore", "TensorFiles", "TensorKernels", "Autodiff", "EngineBench"]

    private func swiftFiles(in dir: URL) -> [URL] {
        guard let files = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return [] }
        return files.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }

    private func imports(inDirectory dir: URL) throws -> Set<String> {
        var found: Set<String> = []
        for url in swiftFiles(in: dir) {
            let text = try String(contentsOf: url, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
                if let i = words.firstIndex(of: "import"), i + 1 < words.count,
                   words[..<i].allSatisfy({ $0.hasPrefix("@") || ["public", "package", "internal", "private"].contains($0) }) {
                    found.insert(String(words[i + 1]))
                }
            }
        }
        return found
    }

    private func imports(inTarget target: String) throws -> Set<String> {
        try imports(inDirectory: sourcesRoot.appendingPathComponent(target))
    }

    func testSimCMFDoesNotImportModalitiesOrImageIO() throws {
        let found = try imports(inTarget: "SimCMF")
        XCTAssertFalse(found.contains("Modalities"), "SimCMF imports Modalities")
        XCTAssertFalse(found.contains("Transforms"), "SimCMF imports Transforms")
        XCTAssertFalse(found.contains("ImageIO"), "SimCMF imports ImageIO")
    }

    func testModalitiesDoNotImportSimCMF() throws {
        for target in ["Modalities", "Transforms", "ImageIO"] + tensorTargets {
            let found = try imports(inTarget: target)
            XCTAssertFalse(found.contains("SimCMF"), "\(target) imports SimCMF")
            XCTAssertFalse(found.contains("AIMS"), "\(target) imports AIMS")
        }
    }

    /// The tensor engine's layers: TensorCore imports no other aims target but the C engine kernels (for
    /// its allocator and transpose); tensor files and kernels sit side by side on it; Autodiff builds on the
    /// kernels and never reads files; the benchmark is on top. None imports the image or model targets.
    func testTensorTargetsImportOnlyLowerLayers() throws {
        let allowed: [String: Set<String>] = [
            "TensorCore": ["CEngineKernels"],
            "TensorFiles": ["TensorCore"],
            "TensorKernels": ["TensorCore", "CEngineKernels", "COpenBLAS"],
            "Autodiff": ["TensorCore", "TensorKernels"],
            "EngineBench": ["TensorCore", "TensorKernels", "Autodiff"],
        ]
        let aimsModules = try Set(packageTargets().map(\.module))
        for target in tensorTargets {
            let found = try imports(inTarget: target).intersection(aimsModules).subtracting([target])
            XCTAssertTrue(found.isSubset(of: allowed[target]!),
                          "\(target) imports \(found.subtracting(allowed[target]!).sorted()), outside its layer")
        }
    }

    /// Each C kernel target has one Swift owner: the engine's kernels and OpenBLAS are TensorKernels', the
    /// image-physics kernels (polarization) are Transforms'; every other target reaches them through Swift
    /// wrappers. The one exception is TensorCore's use of the engine's aligned allocator and blocked
    /// transpose (the storage of every tensor and `permuted`), held to exactly those functions.
    func testKernelTargetsHaveOneOwner() throws {
        for target in try packageTargets().filter({ $0.isSwift }).map(\.name) {
            let found = try imports(inDirectory: packageRoot.appendingPathComponent(try path(ofTarget: target)))
            if !["TensorKernels", "TensorCore"].contains(target) && !target.hasSuffix("Tests") {
                XCTAssertFalse(found.contains("CEngineKernels"), "\(target) imports CEngineKernels")
            }
            if target != "TensorKernels" && !target.hasSuffix("Tests") {
                XCTAssertFalse(found.contains("COpenBLAS"), "\(target) imports COpenBLAS")
            }
            if target != "Transforms" && !target.hasSuffix("Tests") {
                XCTAssertFalse(found.contains("CPhysicsKernels"), "\(target) imports CPhysicsKernels")
            }
        }
        XCTAssertTrue(try imports(inTarget: "TensorKernels").isSuperset(of: ["CEngineKernels", "COpenBLAS"]))
        XCTAssertTrue(try imports(inTarget: "Transforms").contains("CPhysicsKernels"))

        var coreUses: Set<String> = []
        let engineCall = try NSRegularExpression(pattern: "\\bengine_[A-Za-z0-9_]+")
        for url in swiftFiles(in: sourcesRoot.appendingPathComponent("TensorCore")) {
            let text = try String(contentsOf: url, encoding: .utf8)
            for m in engineCall.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                coreUses.insert(String(text[Range(m.range, in: text)!]))
            }
        }
        let allowed: Set<String> = ["engine_aligned_alloc", "engine_aligned_free", "engine_configure_allocator", "engine_transpose"]
        XCTAssertTrue(coreUses.isSubset(of: allowed), "TensorCore calls \(coreUses.subtracting(allowed).sorted()) of CEngineKernels")
        XCTAssertTrue(coreUses.contains("engine_transpose"))
    }

    /// Every target's dependency list in `Package.swift` names exactly the package's Swift targets its
    /// files import (no undeclared import, no stale dependency); C targets may be listed without an import
    /// (linked for a C shim, as ImageIO's libpng), but every C target imported must be listed.
    func testPackageDependenciesMatchImports() throws {
        let targets = try packageTargets()
        let byModule = Dictionary(uniqueKeysWithValues: targets.map { ($0.module, $0) })
        for target in targets where target.isSwift {
            let found = try imports(inDirectory: packageRoot.appendingPathComponent(target.path))
                .filter { byModule[$0] != nil && $0 != target.module }
            let declared = Set(target.dependencies.map { $0.replacingOccurrences(of: "-", with: "_") })
            XCTAssertEqual(found.subtracting(declared).sorted(), [], "\(target.name) imports targets it does not depend on")
            let stale = declared.filter { byModule[$0]?.isSwift ?? true }.subtracting(found)
            XCTAssertEqual(stale.sorted(), [], "\(target.name) depends on Swift targets it does not import")
        }
    }

    func testTheCheckSeesImports() throws {
        // Guards the tests above against silently reading nothing.
        XCTAssertTrue(try imports(inTarget: "Modalities").contains("Transforms"))
        XCTAssertTrue(try imports(inTarget: "Autodiff").contains("TensorKernels"))
        XCTAssertTrue(try imports(inTarget: "TensorCore").contains("CEngineKernels"))
        let targets = try packageTargets()
        XCTAssertGreaterThan(targets.count, 20)
        let kernels = try XCTUnwrap(targets.first { $0.name == "TensorKernels" })
        XCTAssertEqual(Set(kernels.dependencies), ["TensorCore", "COpenBLAS", "CEngineKernels"])
        XCTAssertTrue(kernels.isSwift)
        XCTAssertFalse(try XCTUnwrap(targets.first { $0.name == "CEngineKernels" }).isSwift)
        XCTAssertEqual(try path(ofTarget: "TestComparisons"), "Tests/Support/TestComparisons")
    }

    // MARK: - Package.swift

    private struct PackageTarget {
        var name: String
        var kind: String
        var dependencies: [String]
        var path: String
        var isSwift: Bool
        /// The name an `import` uses.
        var module: String { name.replacingOccurrences(of: "-", with: "_") }
    }

    private func path(ofTarget name: String) throws -> String {
        try XCTUnwrap(try packageTargets().first { $0.name == name }, "no target \(name) in Package.swift").path
    }

    /// The targets of `Package.swift`, read from its text: each `.target(`, `.testTarget(`,
    /// `.executableTarget(` or `.systemLibrary(` with its name, dependency names and path.
    private func packageTargets() throws -> [PackageTarget] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let start = try NSRegularExpression(pattern: "\\.(target|testTarget|executableTarget|systemLibrary)\\(\\s*name:\\s*\"([^\"]+)\"")
        let matches = start.matches(in: text, range: NSRange(text.startIndex..., in: text))
        return matches.enumerated().map { i, m in
            let kind = String(text[Range(m.range(at: 1), in: text)!]), name = String(text[Range(m.range(at: 2), in: text)!])
            let end = i + 1 < matches.count ? matches[i + 1].range.location : (text as NSString).length
            let body = (text as NSString).substring(with: NSRange(location: m.range.location, length: end - m.range.location))
            var dependencies: [String] = []
            if let open = body.range(of: "dependencies: ["), let close = body[open.upperBound...].firstIndex(of: "]") {
                dependencies = body[open.upperBound..<close].split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }.filter { !$0.isEmpty }
            }
            var path = (kind == "testTarget" ? "Tests/" : "Sources/") + name
            if let p = body.range(of: "path: \""), let q = body[p.upperBound...].firstIndex(of: "\"") {
                path = String(body[p.upperBound..<q])
            }
            let isSwift = kind != "systemLibrary" && !swiftFiles(in: packageRoot.appendingPathComponent(path)).isEmpty
            return PackageTarget(name: name, kind: kind, dependencies: dependencies, path: path, isSwift: isSwift)
        }
    }
}
