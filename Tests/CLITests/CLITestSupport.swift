import Foundation
import SimCMF
import TestRequirements
import XCTest

/// Runs the `aims` executable that SwiftPM built beside the test bundle.
enum AimsProcess {
    static var executable: URL {
        let dir = Bundle.main.bundleURL.pathExtension == "xctest" ? Bundle.main.bundleURL.deletingLastPathComponent()
            : Bundle.main.bundleURL
        return dir.appendingPathComponent("aims")
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The tiny SAM ViT checkpoint the CLI tests train and evaluate (fixtures/sam/sam_tiny.pth; fixtures/README.md).
    static let tinySAM = repository.appendingPathComponent("fixtures/sam/sam_tiny.pth").path

    /// Runs `aims arguments...` (with `environment` added to this process's); returns exit status, stdout and stderr.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.currentDirectoryURL = repository
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

/// The real LiteMedSAM checkpoint for the tests that run it: its URL, or a skip when it is absent
/// (a failure under `make test`: see `Provided`).
enum TestWeights {
    static var liteMedSAM: URL {
        get throws {
            let url = try Provided.liteMedSAMCheckpoint()
            XCTAssertEqual(url, LiteMedSAM.defaultCheckpointURL(), "the tests look where aims looks")
            return url
        }
    }
}
