import CCodecShims

extension TIFFCodec {
    /// The baseline ImageDescription tag (ASCII).
    static let imageDescriptionTag: UInt32 = 270

    /// The current directory's ImageDescription as UTF-8 text, nil when absent.
    static func imageDescription(_ t: OpaquePointer) -> String? {
        var type: Int32 = 0, count: UInt32 = 0
        var data: UnsafeRawPointer?
        guard aims_tiff_get_tag(t, imageDescriptionTag, &type, &count, &data) == 1, let data, type == 2 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data.assumingMemoryBound(to: UInt8.self), count: Int(count)), as: UTF8.self)
    }
}
