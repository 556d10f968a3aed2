import Foundation
import TensorCore
import TestComparisons
import XCTest

/// Reads fixtures/physics/ (written by scripts/make_physics_fixtures.py): index.json plus raw
/// little-endian `.bin` arrays. Parsed here so the tests need no image or NPY reader.
enum PhysicsFixtures {
    struct Entry: Decodable {
        let file: String
        let dtype: String
        let shape: [Int]
    }
    struct Index: Decodable {
        let arrays: [String: Entry]
    }

    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/physics")

    static func index() throws -> Index {
        let data = try Data(contentsOf: directory.appendingPathComponent("index.json"))
        return try JSONDecoder().decode(Index.self, from: data)
    }

    /// A float64 array exactly, as Swift Doubles.
    static func doubles(_ name: String) throws -> [Double] {
        guard let e = try index().arrays[name], e.dtype == "float64" else {
            throw NSError(domain: "PhysicsFixtures", code: 1, userInfo: [NSLocalizedDescriptionKey: "no float64 fixture \(name)"])
        }
        let bytes = try Data(contentsOf: directory.appendingPathComponent(e.file))
        return bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
        }
    }

    /// A top-level entry of index.json's `meta`, decoded as `T`.
    static func meta<T: Decodable>(_ key: String, as type: T.Type) throws -> T {
        let data = try Data(contentsOf: directory.appendingPathComponent("index.json"))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let meta = object["meta"] as! [String: Any]
        let entry = try JSONSerialization.data(withJSONObject: meta[key] as Any)
        return try JSONDecoder().decode(T.self, from: entry)
    }

    /// The array `name` as a Float32 tensor (uint8 and uint16 values are converted exactly).
    static func tensor(_ name: String) throws -> Tensor {
        guard let e = try index().arrays[name] else {
            throw NSError(domain: "PhysicsFixtures", code: 1, userInfo: [NSLocalizedDescriptionKey: "no fixture \(name)"])
        }
        let bytes = try Data(contentsOf: directory.appendingPathComponent(e.file))
        let n = e.shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        bytes.withUnsafeBytes { raw in
            switch e.dtype {
            case "uint8":
                for i in 0..<n { values[i] = Float(raw[i]) }
            case "uint16":
                for i in 0..<n { values[i] = Float(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            case "float32":
                for i in 0..<n { values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case "float64":
                for i in 0..<n { values[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
            default:
                XCTFail("unsupported fixture dtype \(e.dtype)")
            }
        }
        XCTAssertEqual(bytes.count, n * (["uint8": 1, "uint16": 2, "float32": 4, "float64": 8][e.dtype] ?? 0), name)
        return Tensor(shape: e.shape, values: values)
    }
}

/// Asserts |a − b| ≤ abs + rel·|b| elementwise (`Tolerance.allClose`), leaving out the elements `skip` names.
func assertClose(_ a: Tensor, _ b: Tensor, rel: Float = 1e-5, abs absTol: Float = 1e-6,
                 skip: ((Int) -> Bool)? = nil, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "shape " + message, file: file, line: line)
    guard a.shape == b.shape else { return }
    // Left-out elements compare 0 with 0, so reported indices stay the tensors' own.
    func kept(_ t: Tensor) -> [Float] { t.scalars.enumerated().map { skip?($0.offset) ?? false ? 0 : $0.element } }
    assertClose(kept(a), kept(b), within: .allClose(relative: Double(rel), absolute: Double(absTol)), message, file: file, line: line)
}
