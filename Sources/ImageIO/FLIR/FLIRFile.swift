import Foundation

/// Reads FLIR radiometric files: a bare FFF frame (`.fff`), an SEQ video (FFF frames one after
/// another), or a radiometric JPEG (R-JPEG, the FFF split over `APP1` segments tagged `FLIR`).
/// Layout facts (FFF header, record directory, RawData and CameraInfo records) follow ExifTool's
/// FLIR module and were checked against `exiftool -n` on real files.
public enum FLIRFile {
    /// Every frame in the file at `url` (one for FFF and R-JPEG).
    public static func frames(contentsOf url: URL) throws -> [FLIRFrame] {
        try frames(bytes: try FileBytes.read(url), file: ImageIOError.name(url))
    }

    /// Every frame in FLIR bytes; `file` names the source in errors.
    public static func frames(bytes: [UInt8], file: String) throws -> [FLIRFrame] {
        if bytes.count >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8 {
            return [try parseFFF(try fffFromJPEG(bytes, file: file), at: 0, file: file).frame]
        }
        var out: [FLIRFrame] = []
        var position = 0
        while position < bytes.count {
            let (frame, end) = try parseFFF(bytes, at: position, file: file)
            out.append(frame)
            position = end
            // SEQ: the next frame starts at the next FFF magic at or after this frame's last record.
            guard let next = nextMagic(bytes, from: position) else { break }
            position = next
        }
        return out
    }

    /// True when the file at `url` is a JPEG carrying FLIR radiometric `APP1` segments (an R-JPEG),
    /// which `ImageReader` would otherwise read as its plain visible image.
    public static func isRadiometricJPEG(_ url: URL) -> Bool {
        guard let bytes = try? FileBytes.read(url), bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return false }
        return (try? fffFromJPEG(bytes, file: "")) != nil
    }

    static func isMagic(_ b: [UInt8], _ i: Int) -> Bool {
        i + 4 <= b.count && (b[i] == 0x46 || b[i] == 0x41) && b[i + 1] == 0x46 && b[i + 2] == 0x46 && b[i + 3] == 0
    }

    private static func nextMagic(_ b: [UInt8], from start: Int) -> Int? {
        var i = start
        while i + 4 <= b.count { if isMagic(b, i) { return i }; i += 1 }
        return nil
    }

    /// Joins the FFF chunks of a JPEG's `APP1` `FLIR\0` segments, in their index order.
    static func fffFromJPEG(_ b: [UInt8], file: String) throws -> [UInt8] {
        var c = FileByteCursor(b, file: file, offset: 2, littleEndian: false)
        var chunks: [Int: ArraySlice<UInt8>] = [:]
        var expected: Int?
        while c.remaining >= 4 {
            let marker = try c.read(UInt16.self, "JPEG marker")
            guard marker >> 8 == 0xFF else {
                throw ImageIOError.invalidField(file: file, field: "JPEG marker at byte \(c.offset - 2)",
                                                   expected: "0xFFxx", got: String(marker, radix: 16))
            }
            if marker == 0xFFDA || marker == 0xFFD9 { break }  // start of scan: no more metadata
            let length = Int(try c.read(UInt16.self, "JPEG segment length"))
            guard length >= 2 else {
                throw ImageIOError.invalidField(file: file, field: "JPEG segment length at byte \(c.offset - 2)",
                                                   expected: "≥ 2", got: "\(length)")
            }
            let segment = try c.readBytes(length - 2, "JPEG segment 0x\(String(marker, radix: 16))")
            let s = segment.startIndex
            if marker == 0xFFE1, segment.count >= 8, Array(segment[s..<(s + 5)]) == Array("FLIR\0".utf8) {
                chunks[Int(segment[s + 6])] = segment[(s + 8)...]
                expected = Int(segment[s + 7]) + 1
            }
        }
        guard let total = expected, !chunks.isEmpty else {
            throw ImageIOError.invalidField(file: file, field: "APP1 FLIR segments", expected: "a radiometric JPEG",
                                               got: "no FLIR segment (a plain JPEG)")
        }
        var fff: [UInt8] = []
        for i in 0..<total {
            guard let chunk = chunks[i] else {
                throw ImageIOError.invalidField(file: file, field: "APP1 FLIR segment \(i)", expected: "present (of \(total))",
                                                   got: "missing")
            }
            fff.append(contentsOf: chunk)
        }
        return fff
    }

    /// Parses the FFF structure at `base`; returns the frame and the end of its last record.
    static func parseFFF(_ b: [UInt8], at base: Int, file: String) throws -> (frame: FLIRFrame, end: Int) {
        var c = FileByteCursor(b, file: file, offset: base, littleEndian: false)
        try c.require(64, "FFF header", at: base)
        guard isMagic(b, base) else {
            throw ImageIOError.invalidField(file: file, field: "FFF magic at byte \(base)", expected: "'FFF\\0' or 'AFF\\0'",
                                               got: "\(Array(b[base..<(base + 4)]))")
        }
        // The header's version (100…199) tells its byte order.
        let version = try c.peek(UInt32.self, at: base + 20, "FFF version")
        if !(100..<200).contains(version) { c.littleEndian = true }
        let v = try c.peek(UInt32.self, at: base + 20, "FFF version")
        guard (100..<200).contains(v) else {
            throw ImageIOError.invalidField(file: file, field: "FFF version", expected: "100…199", got: "\(v)")
        }
        let directory = Int(try c.peek(UInt32.self, at: base + 24, "FFF record directory offset"))
        let count = Int(try c.peek(UInt32.self, at: base + 28, "FFF record count"))
        guard count <= 4096 else {
            throw ImageIOError.invalidField(file: file, field: "FFF record count", expected: "≤ 4096", got: "\(count)")
        }
        try c.require(count * 32, "FFF record directory", at: base + directory)
        var camera: FLIRCameraInfo?
        var raw: (width: Int, height: Int, encoding: FLIRRawEncoding, payload: [UInt8])?
        var end = base + directory + count * 32
        for i in 0..<count {
            let e = base + directory + 32 * i
            let type = try c.peek(UInt16.self, at: e, "FFF record \(i) type")
            guard type != 0 else { continue }
            let offset = Int(try c.peek(UInt32.self, at: e + 12, "FFF record \(i) offset"))
            let length = Int(try c.peek(UInt32.self, at: e + 16, "FFF record \(i) length"))
            try c.require(length, "FFF record \(i) (type \(type), \(length) bytes)", at: base + offset)
            end = max(end, base + offset + length)
            switch type {
            case 0x20: camera = try FLIRCameraInfo.parse(c, start: base + offset, length: length)
            case 0x01: raw = try parseRawData(c, start: base + offset, length: length)
            default: continue
            }
        }
        guard let camera else {
            throw ImageIOError.invalidField(file: file, field: "FFF CameraInfo record (type 0x20)", expected: "present", got: "missing")
        }
        guard let raw else {
            throw ImageIOError.invalidField(file: file, field: "FFF RawData record (type 0x01)", expected: "present", got: "missing")
        }
        return (FLIRFrame(cameraInfo: camera, rawWidth: raw.width, rawHeight: raw.height, rawEncoding: raw.encoding,
                          rawPayload: raw.payload, file: file), end)
    }

    private static func parseRawData(_ cursor: FileByteCursor, start: Int, length: Int) throws
        -> (width: Int, height: Int, encoding: FLIRRawEncoding, payload: [UInt8]) {
        guard length > 32 else {
            throw ImageIOError.invalidField(file: cursor.file, field: "FLIR RawData record length", expected: "> 32 bytes",
                                               got: "\(length)")
        }
        var c = cursor
        c.littleEndian = try cursor.peek(UInt16.self, at: start, "RawData byte order") < 0x100
            ? cursor.littleEndian : !cursor.littleEndian
        let width = Int(try c.peek(UInt16.self, at: start + 2, "RawThermalImageWidth"))
        let height = Int(try c.peek(UInt16.self, at: start + 4, "RawThermalImageHeight"))
        guard width > 0, height > 0 else {
            throw ImageIOError.invalidField(file: c.file, field: "RawThermalImageWidth/Height", expected: "> 0",
                                               got: "\(width)x\(height)")
        }
        let payload = Array(c.bytes[(start + 32)..<(start + length)])
        if payload.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return (width, height, .png, payload) }
        guard payload.count >= width * height * 2 else {
            throw ImageIOError.invalidField(file: c.file, field: "RawThermalImage", expected: "\(width * height * 2) bytes of 16-bit counts",
                                               got: "\(payload.count) bytes")
        }
        return (width, height, c.littleEndian ? .littleEndian16 : .bigEndian16, payload)
    }
}
