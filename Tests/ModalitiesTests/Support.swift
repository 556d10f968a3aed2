import Foundation
import ImageIO
import TensorCore
import TestComparisons
import XCTest

/// Paths and readers for the committed fixtures, and scratch dataset folders.
enum Fixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static func url(_ path: String) -> URL { repository.appendingPathComponent("fixtures").appendingPathComponent(path) }

    /// A reference decode in fixtures/images/ref (raw little-endian `[H, W, C]`), as Doubles.
    static func imageReference(_ name: String, dtype: String) throws -> [Double] {
        let data = try Data(contentsOf: url("images/ref/\(name)"))
        return data.withUnsafeBytes { b in
            switch dtype {
            case "uint8": return b.map { Double($0) }
            default: return (0..<(data.count / 2)).map { Double(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
            }
        }
    }

    /// An array of fixtures/physics (index.json + raw little-endian `.bin`), as a Float tensor.
    static func physics(_ name: String) throws -> Tensor {
        struct Entry: Decodable { let file: String; let dtype: String; let shape: [Int] }
        struct Index: Decodable { let arrays: [String: Entry] }
        let index = try JSONDecoder().decode(Index.self, from: Data(contentsOf: url("physics/index.json")))
        let e = try XCTUnwrap(index.arrays[name], "no physics fixture \(name)")
        let data = try Data(contentsOf: url("physics/\(e.file)"))
        let n = e.shape.reduce(1, *)
        let values: [Float] = data.withUnsafeBytes { b in
            switch e.dtype {
            case "uint8": return (0..<n).map { Float(b[$0]) }
            default: return (0..<n).map { Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
            }
        }
        return Tensor(shape: e.shape, values: values)
    }

    /// A JSON fixture as a dictionary.
    static func json(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url(path))) as? [String: Any])
    }
}

/// A temporary dataset folder, removed when the test ends.
final class ScratchDataset {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("aims-modalities-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// `root/path`, with its folder created.
    func url(_ path: String) throws -> URL {
        let u = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
        return u
    }

    /// Copies `fixtures/<fixture>` to `root/path`.
    func copy(fixture: String, to path: String) throws {
        let dst = try url(path)
        try? FileManager.default.removeItem(at: dst)
        try FileManager.default.copyItem(at: Fixtures.url(fixture), to: dst)
    }

    /// Writes `[C, H, W]` values as a PNG of `dtype` (uint8 / uint16).
    func writePNG(_ values: Tensor, dtype: DType, to path: String) throws {
        try PNGCodec.write(RawImage(tensor: values.rank == 2 ? values.reshaped([1] + values.shape) : values, dtype: dtype), to: url(path))
    }

    func write(_ data: Data, to path: String) throws { try data.write(to: url(path)) }
}

/// Asserts |a − b| ≤ tolerance elementwise (`Tolerance.absolute`), reporting the worst element.
func assertClose(_ a: [Float], _ b: [Float], tolerance: Float, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    assertClose(a, b, within: .absolute(Double(tolerance)), message, file: file, line: line)
}

/// The message of a thrown error.
func message(of body: () throws -> Void) -> String {
    do { try body(); return "no error" } catch { return (error as? LocalizedError)?.errorDescription ?? "\(error)" }
}
