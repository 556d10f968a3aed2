import CGDCMShim

/// Decodes one JPEG, JPEG-LS or JPEG 2000 frame with GDCM (through the `CGDCMShim` C API), the way
/// pydicom's GDCM plugin does.
enum DICOMCodecDecoder {
    /// The attributes GDCM is told, per frame.
    struct FrameInfo {
        var syntax: DICOMTransferSyntax
        var photometric: String
        var rows: Int, columns: Int, samples: Int
        /// Bits per decoded sample container: 8, 16 or 32.
        var bitsAllocated: Int
        var bitsStored: Int
        var signed: Bool
        var planar: Bool
        var bytesPerFrame: Int { rows * columns * samples * bitsAllocated / 8 }
    }

    /// The decoded frame: `rows × columns × samples` samples of `bitsAllocated / 8` bytes, host byte order,
    /// interleaved or planar as GDCM leaves them (`info.planar`).
    static func decode(_ codestream: [UInt8], _ info: FrameInfo, file: String) throws -> [UInt8] {
        let markers = try DICOMCodestreamCheck.check(codestream, info, file: file)
        // GDCM 3.0's JPEG codecs leak their decompressor (about 27 KB a frame) when a codestream fails, and abort on
        // a libjpeg warning (found by scripts/fuzz, docs/RELIABILITY.md): an 8-bit lossy frame is decoded by
        // libjpeg-turbo first, and only one it accepts without a warning reaches GDCM. (12-bit and lossless frames
        // have no other decoder here: only their marker segments are checked.)
        if info.syntax.coding == .jpeg, let markers, markers.precision == 8, !markers.isLossless,
           let warning = try JPEGCodec.decode(codestream, file: file).info?.warning {
            throw ImageIOError.codec(file: file, library: "libjpeg", message: "corrupt frame: \(warning)")
        }
        var out = [UInt8](repeating: 0, count: info.bytesPerFrame)
        var message = [CChar](repeating: 0, count: 512)
        let status = info.syntax.uid.withCString { ts in
            info.photometric.withCString { pi in
                var c = aims_gdcm_frame_info(transfer_syntax: ts, photometric: pi, rows: UInt32(info.rows),
                                             columns: UInt32(info.columns), samples_per_pixel: UInt32(info.samples),
                                             bits_allocated: UInt32(info.bitsAllocated), bits_stored: UInt32(info.bitsStored),
                                             pixel_representation: info.signed ? 1 : 0,
                                             planar_configuration: info.planar ? 1 : 0)
                return codestream.withUnsafeBufferPointer { src in
                    out.withUnsafeMutableBufferPointer { dst in
                        message.withUnsafeMutableBufferPointer { m in
                            aims_gdcm_decode_frame(&c, src.baseAddress, src.count, dst.baseAddress, dst.count,
                                                   m.baseAddress, m.count)
                        }
                    }
                }
            }
        }
        guard status == 0 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ImageIOError.codec(file: file, library: "GDCM \(version) (\(info.syntax))", message: text)
        }
        return out
    }

    /// GDCM's version, e.g. `3.0.21`.
    static var version: String { String(cString: aims_gdcm_version()) }
}
