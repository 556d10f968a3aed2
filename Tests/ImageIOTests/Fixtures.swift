import Foundation
import XCTest
@testable import ImageIO
import TensorCore

/// Locates the committed fixtures and the reference decodes written by
/// `scripts/make_image_fixtures.py`.
enum Fixtures {
    /// The repository root: the first ancestor of this file that holds `Package.swift`.
    static let root: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        fatalError("no Package.swift above \(#filePath)")
    }()

    static let images = root.appendingPathComponent("fixtures/images")

    static func url(_ name: String) -> URL { images.appendingPathComponent(name) }

    /// One entry of `fixtures/images/reference.json`.
    struct Entry: Decodable {
        var file: String
        var page: Int
        var page_count: Int
        /// `[H, W, C]`.
        var shape: [Int]
        var dtype: String
        var bit_depth: Int
        var reader: String
        /// Raw little-endian samples, `[H, W, C]`, relative to `fixtures/images`.
        var values: String
        var note: String
    }

    private struct Document: Decodable { var entries: [Entry] }

    static func entries() throws -> [Entry] {
        let data = try Data(contentsOf: images.appendingPathComponent("reference.json"))
        return try JSONDecoder().decode(Document.self, from: data).entries
    }

    /// The reference samples of `entry` converted to host byte order.
    static func referenceBytes(_ entry: Entry) throws -> [UInt8] {
        var bytes = [UInt8](try Data(contentsOf: images.appendingPathComponent(entry.values)))
        guard let dtype = DType(rawValue: entry.dtype) else { throw CocoaError(.coderInvalidValue) }
        if 1.littleEndian != 1, dtype.byteSize > 1 {
            let n = dtype.byteSize
            for i in stride(from: 0, to: bytes.count, by: n) { bytes[i..<(i + n)].reverse() }
        }
        return bytes
    }
}

/// A fresh temporary directory removed at the end of the test.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("aims-imageio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    /// Names of the files in the directory (to spot leftover temporary files).
    func contents() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: url.path).sorted()) ?? [] }
}

/// Deterministic test data (SplitMix64).
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// `count` random bytes.
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}
