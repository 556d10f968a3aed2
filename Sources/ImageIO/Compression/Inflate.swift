import CZlib
import Foundation

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

    /// Decompresses `input`.
    /// - Parameters:
    ///   - maxOutput: the most bytes to produce; a stream that inflates further is an error
    ///     (guards against decompression bombs).
    ///   - file: named in errors.
    public static func decompress(_ input: [UInt8], container: Container, maxOutput: Int = 1 << 32,
                                  file: String) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(min(maxOutput, max(input.count * 4, 1 << 16)))
        var consumed = 0
        repeat {
            let used = try inflateMember(input, from: consumed, container: container, maxOutput: maxOutput,
                                         into: &output, file: file)
            consumed += used
            // gzip may hold several members; anything else ends after one stream.
        } while container == .gzip && consumed < input.count && input[consumed] == 0x1F
        return output
    }

    private static func inflateMember(_ input: [UInt8], from start: Int, container: Container, maxOutput: Int,
                                      into output: inout [UInt8], file: String) throws -> Int {
        var stream = z_stream()
        let windowBits: Int32 = container == .gzip ? 15 + 16 : (container == .zlib ? 15 : -15)
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImageIOError.invalidField(file: file, field: "deflate stream", expected: "zlib to initialise",
                                                 got: "inflateInit2 failure")
        }
        defer { inflateEnd(&stream) }
        let chunk = 1 << 18
        var buffer = [UInt8](repeating: 0, count: chunk)
        var status: Int32 = Z_OK
        try input.withUnsafeBufferPointer { src in
            stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress! + start)
            stream.avail_in = UInt32(src.count - start)
            while status != Z_STREAM_END {
                let produced: Int = buffer.withUnsafeMutableBufferPointer { dst in
                    stream.next_out = dst.baseAddress
                    stream.avail_out = UInt32(chunk)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return chunk - Int(stream.avail_out)
                }
                if status != Z_OK && status != Z_STREAM_END {
                    let reason = status == Z_BUF_ERROR ? "stream ends early (truncated)" :
                        (stream.msg.map { String(cString: $0) } ?? "zlib error \(status)")
                    throw ImageIOError.invalidField(file: file, field: "deflate stream at input byte \(start + Int(stream.total_in))",
                                                         expected: "valid compressed data", got: reason)
                }
                if output.count + produced > maxOutput {
                    throw ImageIOError.invalidField(file: file, field: "decompressed size",
                                                         expected: "at most \(maxOutput) bytes", got: "more")
                }
                output.append(contentsOf: buffer[0..<produced])
                if produced == 0 && stream.avail_in == 0 && status != Z_STREAM_END {
                    throw ImageIOError.truncatedAt(file: file, field: "deflate stream",
                                                      offset: start + Int(stream.total_in), needed: 1)
                }
            }
        }
        return Int(stream.total_in)
    }
}
