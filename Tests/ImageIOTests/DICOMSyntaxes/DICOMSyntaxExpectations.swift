import AIMS
import Foundation
import ImageIO
import TestRequirements
import XCTest

/// `fixtures/dicom_ts/expected.json` (scripts/make_dicom_ts_fixtures.py): what pydicom 3.0.2 decodes from each
/// file of its own test corpus, and how aims's decoding of a file compares with it.
struct DICOMSyntaxExpectations: @unchecked Sendable {
    static let directory = OptionalData.repository.appendingPathComponent("fixtures/dicom_ts")
    static let shared = DICOMSyntaxExpectations()

    /// Corpus path (relative to pydicom's test_files) → entry: `transfer_syntax`, and `pixels` (`sha256`,
    /// `shape`, `dtype`, `min`, `max`, `mean`) or `error`.
    let files: [String: [String: Any]]
    /// The files copied into fixtures/dicom_ts.
    let copied: [String]

    init() {
        let data = try! Data(contentsOf: Self.directory.appendingPathComponent("expected.json"))
        let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        files = root["files"] as! [String: [String: Any]]
        copied = root["copied"] as! [String]
    }

    /// How aims's decoding of one file compares with pydicom's.
    enum Outcome: Equatable {
        case equal
        /// Same shape and dtype, other bytes.
        case differs(String)
        /// aims refused or failed with a typed error (its message).
        case refused(String)
        /// pydicom could not decode the file (no truth to compare with); aims did.
        case decodedWherePydicomFails
    }

    /// Decodes `url` with aims and compares with `entry` (SHA-256 of the little-endian `[frames, rows, columns,
    /// samples]` bytes, shape, dtype).
    static func compare(_ url: URL, _ entry: [String: Any]) -> Outcome {
        do {
            let stored = try DICOMImage(contentsOf: url).storedPixels()
            guard let pixels = entry["pixels"] as? [String: Any] else { return .decodedWherePydicomFails }
            let shape = pixels["shape"] as! [Int], dtype = pixels["dtype"] as! String
            guard stored.dims == shape, stored.dtype.rawValue == dtype else {
                return .differs("aims \(stored.dims) \(stored.dtype), pydicom \(shape) \(dtype)")
            }
            let hash = SHA256.hex(Data(stored.bytes))
            return hash == pixels["sha256"] as! String ? .equal : .differs("sha256 \(hash.prefix(12))")
        } catch {
            return .refused((error as? LocalizedError)?.errorDescription ?? "\(error)")
        }
    }
}
