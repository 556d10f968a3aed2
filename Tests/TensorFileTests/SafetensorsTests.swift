import Foundation
import XCTest
@testable import TensorCore
@testable import TensorFiles

final class SafetensorsTests: XCTestCase {
    func testWriterReproducesTheReferenceWriterByteForByte() throws {
        // writer_reference.safetensors was written by the safetensors Python package
        let reference = try Fixtures.data("writer_reference.safetensors")
        let archive = try Safetensors.read(reference)
        XCTAssertEqual(Set(archive.storedDTypes), [.float32, .float16, .bfloat16])
        let ours = try Safetensors.encode(archive.tensors.reversed(), metadata: archive.metadata)
        XCTAssertEqual(ours, reference)
    }

    func testRoundTripWithMetadata() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aims-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("r.safetensors")
        let values: [Float] = [0, 1.5, -2.25, 3e-3, 1e4, -7]
        var tensors: [NamedTensor] = []
        for dtype in [DType.float32, .float16, .bfloat16, .float64, .int64, .int32, .int16, .int8, .uint8, .bool, .uint16, .uint32, .uint64] {
            tensors.append(NamedTensor(name: "t.\(dtype)", storedDType: dtype, tensor: Tensor(shape: [2, 3], values: values)))
        }
        tensors.append(NamedTensor(name: "scalar", storedDType: .float32, tensor: Tensor(shape: [], values: [4])))
        tensors.append(NamedTensor(name: "empty", storedDType: .float32, tensor: Tensor(shape: [0, 5])))
        let metadata = ["format": "pt", "quote\"and\\slash\n": "ünïcode"]
        try Safetensors.write(tensors, metadata: metadata, to: url)
        let back = try Safetensors.read(url)
        XCTAssertEqual(back.metadata, metadata)
        XCTAssertEqual(Set(back.names), Set(tensors.map(\.name)))
        for t in tensors {
            let got = try XCTUnwrap(back.entry(t.name))
            XCTAssertEqual(got.storedDType, t.storedDType)
            XCTAssertEqual(got.shape, t.shape)
            var raw = [UInt8](repeating: 0, count: t.tensor.count * t.storedDType.byteSize)
            var want = [Float](repeating: 0, count: t.tensor.count)
            t.tensor.withUnsafeBufferPointer { src in
                guard src.count > 0 else { return }
                t.storedDType.encode(src.baseAddress!, count: src.count, littleEndian: true, into: &raw)
                t.storedDType.decode(raw, count: src.count, littleEndian: true, into: &want)
            }
            XCTAssertEqual(got.tensor.scalars, want, t.name)
        }
        // deterministic: writing the same tensors in another order gives the same bytes
        XCTAssertEqual(try Safetensors.encode(tensors.reversed(), metadata: metadata), try Data(contentsOf: url))
        XCTAssertNotNil(expectFileError("duplicate names") { _ = try Safetensors.encode([tensors[0], tensors[0]]) })
    }

    /// Safetensors bytes from a header JSON text and a data section.
    func file(_ json: String, data: Int) -> Data {
        var out = Data()
        let h = Array(json.utf8)
        out.append(contentsOf: (0..<8).map { UInt8((h.count >> (8 * $0)) & 0xFF) })
        out.append(contentsOf: h)
        out.append(Data(count: data))
        return out
    }

    func testValidation() {
        let cases: [(String, String, Int, String)] = [
            ("end beyond data", #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,5000]}}"#, 8, "expected end ≤ 8, got 5000"),
            ("byte count", #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, 8, "12 bytes"),
            ("overlap", #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, 12, "begin = 8"),
            ("gap", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, 12, "begin = 4"),
            ("trailing data", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8, "4 bytes (the end"),
            ("negative extent", #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, 4, "non-negative"),
            ("fractional extent", #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, 4, "non-negative integers"),
            ("reversed offsets", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, 4, "begin ≤ end"),
            ("unknown dtype", #"{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, 8, "unsupported"),
            ("non-string metadata", #"{"__metadata__":{"k":1}}"#, 0, "a string"),
            ("not an object", #"[1,2]"#, 0, "JSON"),
            ("bad JSON", #"{"a":}"#, 0, "valid JSON"),
            ("extra key", #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}"#, 4, "only dtype"),
        ]
        for (what, json, n, fragment) in cases {
            let e = expectFileError(what) { _ = try Safetensors.read(file(json, data: n), file: "x.safetensors") }
            XCTAssertTrue(e?.localizedDescription.contains(fragment) ?? false, "\(what): \(e?.localizedDescription ?? "")")
            XCTAssertEqual(e?.file, "x.safetensors")
        }
        var huge = Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        huge.append(Data("{}".utf8))
        XCTAssertNotNil(expectFileError("huge header length") { _ = try Safetensors.read(huge) })
        let ok = try? Safetensors.read(file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}    "#, data: 4))
        XCTAssertEqual(ok?.names, ["a"], "space padding after the JSON is allowed")
    }
}

extension TensorArchive {
    var storedDTypes: [DType] { tensors.map(\.storedDType) }
}
