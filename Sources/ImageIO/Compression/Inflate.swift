import CZlib
import Foundation
import TensorFiles

/// DEFLATE decompression through zlib, for `.nii.gz` volumes and deflated DICOM.
public enum Inflate {
    /// The wrapper around the DEFLATE stream.
    public enum Container: Sendable {
        /// gzip (RFC 1952); concatenated members are decoded one after another.
        case gzip
        /// zlib (RFC 1950).
        case zlib
        /// Bare DEFLATE (RFC 1951), as in deflated-explicit-VR DICOM.
        case raw
    }

    /// Decompresses all of `input`.
    /// - Parameters:
    ///   - maxOutput: the most bytes to produce (default `ReadLimits.maxDecodedBytes`); a stream that inflates
    ///     further is an error before more is allocated (guards against decompression bombs).
    ///   - file: named in errors.
    public static func decompress(_ input: [UInt8], container: Container, maxOutput: Int = ReadLimits.maxDecodedBytes,
                                  file: String) throws -> [UInt8] {
        let stream = try InflateStream(Data(input), container: container, maxOutput: maxOutput, file: file)
        var output: [UInt8] = []
        output.reserveCapacity(min(maxOutput, max(input.count * 4, 1 << 16)))
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try stream.read(into: $0) }
            output.append(contentsOf: chunk[0..<n])
            if n < chunk.count { return output }
        }
    }
}

/// Decompressed bytes pulled on demand from a gzip, zlib or raw DEFLATE stream: a reader that knows how many
/// bytes it needs (a NIfTI volume, from its header) decodes straight into its own buffer, so decoding takes the
/// compressed input plus the decoded data, never a growing copy. At most `maxOutput` bytes are ever produced:
/// a stream that holds more throws as soon as it passes the limit (`decompressed size`).
public final class InflateStream {
    private var stream = z_stream()
    private let input: Data
    private let container: Inflate.Container
    private let file: String
    /// Input bytes consumed so far.
    private var consumed = 0
    private var ended = false
    /// The most bytes this stream may produce.
    public let maxOutput: Int
    /// Bytes produced so far.
    public private(set) var produced = 0

    /// - Throws: `ImageIOError.invalidField` when zlib cannot be initialised.
    public init(_ input: Data, container: Inflate.Container, maxOutput: Int = ReadLimits.maxDecodedBytes, file: String) throws {
        self.input = input
        self.container = container
        self.maxOutput = maxOutput
        self.file = file
        let windowBits: Int32 = container == .gzip ? 15 + 16 : (container == .zlib ? 15 : -15)
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImageIOError.invalidField(file: file, field: "deflate stream", expected: "zlib to initialise", got: "inflateInit2 failure")
        }
    }

    deinit { inflateEnd(&stream) }

    /// True once the (last) stream has ended: `read` returns 0 from then on.
    public var isAtEnd: Bool { ended }

    /// Fills `destination` with the next decompressed bytes; returns how many were written, fewer than
    /// `destination.count` only when the stream ends.
    /// - Throws: `ImageIOError` for corrupt or truncated data, or more than `maxOutput` bytes in all.
    public func read(into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        var written = 0
        while written < destination.count && !ended {
            let want = min(destination.count - written, Int(UInt32.max))
            let (status, out, inUsed): (Int32, Int, Int) = input.withUnsafeBytes { src in
                stream.next_in = UnsafeMutablePointer(mutating: src.bindMemory(to: UInt8.self).baseAddress.map { $0 + consumed })
                stream.avail_in = UInt32(min(src.count - consumed, Int(UInt32.max)))
                stream.next_out = destination.baseAddress!.assumingMemoryBound(to: UInt8.self) + written
                stream.avail_out = UInt32(want)
                let availableIn = Int(stream.avail_in)
                let s = inflate(&stream, Z_NO_FLUSH)
                return (s, want - Int(stream.avail_out), availableIn - Int(stream.avail_in))
            }
            consumed += inUsed
            written += out
            produced += out
            if produced > maxOutput {
                throw ImageIOError.invalidField(file: file, field: "decompressed size", expected: "at most \(ReadLimits.describe(maxOutput))",
                                                got: "more")
            }
            switch status {
            case Z_STREAM_END:
                // gzip may hold several members; anything else ends after one stream.
                if container == .gzip && consumed < input.count && input[input.startIndex + consumed] == 0x1F {
                    inflateReset(&stream)
                } else {
                    ended = true
                }
            case Z_OK:
                if out == 0 && inUsed == 0 && consumed >= input.count {
                    throw ImageIOError.truncatedAt(file: file, field: "deflate stream", offset: consumed, needed: 1)
                }
            case Z_BUF_ERROR where consumed >= input.count:
                throw ImageIOError.truncatedAt(file: file, field: "deflate stream", offset: consumed, needed: 1)
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw ImageIOError.invalidField(file: file, field: "deflate stream at input byte \(consumed)",
                                                expected: "valid compressed data", got: reason)
            }
        }
        return written
    }

    /// Discards the next `count` decompressed bytes; returns how many there were (fewer at the end).
    public func skip(_ count: Int) throws -> Int {
        var left = count
        var scratch = [UInt8](repeating: 0, count: min(count, 1 << 16))
        while left > 0 {
            let n = try scratch.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<min(left, $0.count)])) }
            left -= n
            if n == 0 { break }
        }
        return count - left
    }
}
