import Foundation
import XCTest
@testable import TensorFiles

/// Damaged copies of the real fixtures: every truncation must be a `TensorFileError`; flipped
/// header, directory and pickle bytes must give a `TensorFileError` or a successful read, never a
/// crash, a hang or another error type.
final class MalformedFileTests: XCTestCase {
    /// Reads `data` with the reader of `format`, returning the error (nil on success).
    func attempt(_ format: String, _ data: Data, _ what: String) -> Error? {
        do {
            switch format {
            case "npy": _ = try NPY.read(data, file: "f.npy")
            case "safetensors": _ = try Safetensors.read(data, file: "f.safetensors")
            default: _ = try TorchCheckpoint.read(data, file: "f.pth")
            }
            return nil
        } catch {
            if !(error is TensorFileError) { XCTFail("\(what): \(type(of: error)): \(error)") }
            return error
        }
    }

    func testEveryTruncationIsATypedError() throws {
        for s in try Fixtures.sidecars() where s.error == nil {
            let data = try Fixtures.data(s.file)
            for k in 0..<16 {
                let cut = data.count * k / 16
                let what = "\(s.file) cut to \(cut) of \(data.count) bytes"
                XCTAssertNotNil(attempt(s.format, data.prefix(cut), what), what)
                // the sniffing entry point as well (an empty or tiny prefix is an unknown format)
                XCTAssertThrowsError(try TensorFiles.read(data.prefix(cut), file: s.file), what) { e in
                    XCTAssertTrue(e is TensorFileError, "\(what): \(e)")
                }
            }
            // one byte short
            XCTAssertNotNil(attempt(s.format, data.dropLast(), "\(s.file) minus one byte"))
        }
    }

    /// Byte ranges worth damaging: the NPY header, the safetensors header, or a `.pth`'s pickle,
    /// local headers and central directory.
    func headerRanges(_ format: String, _ data: Data) throws -> [Range<Int>] {
        switch format {
        case "npy":
            let end = try data.withUnsafeBytes { try NPY.parseHeader($0, file: "f.npy").dataOffset }
            return [0..<end]
        case "safetensors":
            let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            return [0..<(8 + n)]
        default:
            return try data.withUnsafeBytes { buf in
                let zip = try ZipDirectory(buf, file: "f.pth")
                let base = buf.baseAddress!
                var ranges: [Range<Int>] = []
                for e in zip.entries {
                    let payload = try zip.payload(e)
                    let start = payload.baseAddress! - base
                    ranges.append(e.localHeaderOffset..<(e.localHeaderOffset + 30 + e.name.utf8.count))
                    if e.name.hasSuffix("data.pkl") { ranges.append(start..<(start + payload.count)) }
                }
                // the central directory and end records follow the last payload
                let last = zip.entries.max { $0.localHeaderOffset < $1.localHeaderOffset }!
                let lastPayload = try zip.payload(last)
                ranges.append((lastPayload.baseAddress! - base + lastPayload.count)..<data.count)
                return ranges
            }
        }
    }

    func testFlippedHeaderBytesNeverCrash() throws {
        var reads = 0, failures = 0
        for s in try Fixtures.sidecars() where s.error == nil && s.file != "many.pth" {
            let data = try Fixtures.data(s.file)
            for range in try headerRanges(s.format, data) {
                // every byte of short ranges; about 300 evenly spread bytes of long pickles
                for i in stride(from: range.lowerBound, to: range.upperBound, by: max(1, range.count / 300)) {
                    for mask: UInt8 in [0xFF, 0x01] {
                        var d = data
                        d[i] ^= mask
                        reads += 1
                        if attempt(s.format, d, "\(s.file) byte \(i) ^ \(mask)") != nil { failures += 1 }
                    }
                }
            }
        }
        XCTAssertGreaterThan(reads, 5_000)
        XCTAssertGreaterThan(failures, reads / 4, "most header damage must be detected")
    }

    func testRandomPickleMutationsNeverCrash() throws {
        // a seeded xorshift generator, so failures reproduce
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        for name in ["state.pth", "checkpoint.pth", "views.pth"] {
            let data = try Fixtures.data(name)
            let ranges = try headerRanges("pytorch", data)
            let pickle = ranges.max { $0.count < $1.count }!
            for _ in 0..<1500 {
                var d = data
                for _ in 0..<(1 + Int(next() % 4)) {
                    d[pickle.lowerBound + Int(next() % UInt64(pickle.count))] = UInt8(truncatingIfNeeded: next())
                }
                _ = attempt("pytorch", d, "\(name) mutated")
            }
        }
    }
}
