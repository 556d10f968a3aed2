import Foundation
import SimCMF
import XCTest

/// What the tests may find missing, in two kinds:
/// - **provided**: what the project itself installs or ships — the LiteMedSAM checkpoint
///   (scripts/fetch-weights), the Debian packages (scripts/ensure-deps, e.g. libdeflate). A test that
///   misses one skips with the reason and the remedy, but under `make test` (which sets
///   `AIMS_REQUIRE_PROVIDED=1`) it fails: there a skip would only hide that the project's own set-up failed.
/// - **optional data**: what the project never ships (the real captures in `../shared/data` beside the
///   repository, the GPL-2 depth frames). A test that misses it always skips, saying what is absent.
public enum Provided {
    /// True when missing provided things must fail the test: `AIMS_REQUIRE_PROVIDED=1`.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["AIMS_REQUIRE_PROVIDED"] == "1" }

    /// The error a test throws when `what` is absent: a skip naming `what` and `remedy`, or, when provided
    /// things are required, an error (recorded by XCTest as the test's failure) with the same text.
    public static func missing(_ what: String, remedy: String) -> Error {
        let message = "\(what) is absent; \(remedy)"
        return isRequired ? Missing(description: message + " (AIMS_REQUIRE_PROVIDED=1: make test requires it)") : XCTSkip(message)
    }

    /// Throws `missing(what, remedy:)` unless `present`.
    public static func require(_ present: Bool, _ what: String, remedy: String) throws {
        if !present { throw missing(what, remedy: remedy) }
    }

    /// `${AIMS_CACHE:-~/.cache/aims}/lite_medsam.pth` (where scripts/fetch-weights caches it and
    /// `LiteMedSAM.defaultCheckpointURL()` looks), or the skip / failure of `missing`.
    public static func liteMedSAMCheckpoint() throws -> URL {
        let url = LiteMedSAM.defaultCheckpointURL()
        try require(FileManager.default.fileExists(atPath: url.path), url.path, remedy: "run scripts/fetch-weights (make weights)")
        return url
    }

    /// A provided thing that is absent while required.
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }
}

/// Data the project never ships, looked for beside the repository only.
public enum OptionalData {
    /// The repository's root folder.
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `<repository>/../shared/data`, where the real captures live when present.
    public static var sharedData: URL {
        repository.deletingLastPathComponent().appendingPathComponent("shared/data").standardizedFileURL
    }

    /// `<shared data>/relativePath` when the file there exists, else a skip that names the path looked at.
    public static func sharedFile(_ relativePath: String, _ what: String) throws -> URL {
        let url = sharedData.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("\(what) not present (optional data, never shipped): no \(url.path)")
        }
        return url
    }
}
