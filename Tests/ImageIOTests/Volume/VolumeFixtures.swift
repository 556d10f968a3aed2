import Foundation
@testable import ImageIO

/// `fixtures/volume/` and its `reference.json` (scripts/make_volume_fixtures.py: pydicom, nibabel, tifffile).
enum VolumeFixtures {
    static let directory = Fixtures.root.appendingPathComponent("fixtures/volume")
    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    nonisolated(unsafe) static let reference: [String: Any] = {
        let data = try! Data(contentsOf: url("reference.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func entry(_ key: String) -> [String: Any] { reference[key] as! [String: Any] }

    /// A 4 × 4 matrix from JSON, as an `Affine3D` (its last row must be 0, 0, 0, 1).
    static func affine(_ value: Any?) -> Affine3D {
        let m = (value as! [[Any]]).map { $0.map { ($0 as! NSNumber).doubleValue } }
        precondition(m[3] == [0, 0, 0, 1])
        return Affine3D(rows: Array(m[0..<3]))
    }

    /// JSON float32 bits → the float's value.
    static func float(_ bits: Any) -> Double { Double(Float(bitPattern: UInt32((bits as! NSNumber).uint32Value))) }

    /// The float32 bits of `v` as stored.
    static func bits(_ v: Double) -> UInt32 { Float(v).bitPattern }

    static func ints(_ value: Any?) -> [Int] { (value as! [Any]).map { ($0 as! NSNumber).intValue } }
    static func uints(_ value: Any?) -> [UInt32] { (value as! [Any]).map { ($0 as! NSNumber).uint32Value } }
}
