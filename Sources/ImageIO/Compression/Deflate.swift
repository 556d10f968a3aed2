import CZlib
import Foundation

/// DEFLATE compression through zlib, for `.nii.gz` output.
public enum Deflate {
    /// `input` as one gzip member (RFC 1952) at zlib's `level` (0...9, default 6).
    public static func gzip(_ input: [UInt8], level: Int32 = 6, file: String) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImageIOError.codec(file: file, library: "zlib", message: "deflateInit2 failed")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        var status: Int32 = Z_OK
        input.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
                stream.avail_in = UInt32(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = UInt32(dst.count)
                status = deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            throw ImageIOError.codec(file: file, library: "zlib", message: "deflate returned \(status), not Z_STREAM_END")
        }
        return Array(output[0..<Int(stream.total_out)])
    }
}
