import Foundation

/// Reads the data elements of a DICOM Part 10 file (preamble, `DICM`, file meta group, data set)
/// in implicit or explicit VR, little or big endian, including deflated explicit VR. Sequences of
/// defined and undefined length are parsed; encapsulated pixel data is split into fragments.
struct DICOMParser {
    static let implicitLittle = "1.2.840.10008.1.2"
    static let explicitLittle = "1.2.840.10008.1.2.1"
    static let deflatedExplicitLittle = "1.2.840.10008.1.2.1.99"
    static let explicitBig = "1.2.840.10008.1.2.2"

    private static let longVRs: Set<String> = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"]
    private static let maxDepth = 12

    let file: String

    /// Parses a whole file. Returns the file meta group, the data set and the transfer syntax.
    func parse(_ bytes: [UInt8]) throws -> (meta: DICOMDataSet, dataSet: DICOMDataSet, transferSyntax: String) {
        var start = 0
        var meta = DICOMDataSet(littleEndian: true)
        if bytes.count >= 132, Array(bytes[128..<132]) == Array("DICM".utf8) {
            start = 132
            var cursor = FileByteCursor(bytes, file: file, offset: start, littleEndian: true)
            // File meta elements are always explicit VR little endian, group 0002.
            while cursor.remaining >= 4, try cursor.peek(UInt16.self, at: cursor.offset, "meta group") == 0x0002 {
                let e = try readElement(&cursor, explicit: true, depth: 0)
                meta.elements[e.tag] = e
            }
            start = cursor.offset
        } else if bytes.count >= 8, bytes[0] == 0x08, bytes[1] == 0x00 {
            // No preamble: a bare data set, implicit VR little endian by PS3.5 default.
        } else {
            let found = bytes.count >= 132 ? "'" + String(decoding: bytes[128..<132], as: UTF8.self) + "'" : "\(bytes.count) bytes"
            throw ImageIOError.invalidField(file: file, field: "preamble magic at byte 128",
                                                 expected: "'DICM'", got: found)
        }
        let syntax = meta.string(.transferSyntaxUID) ?? DICOMParser.implicitLittle
        var body = bytes
        var explicit = true
        var little = true
        switch syntax {
        case DICOMParser.implicitLittle: explicit = false
        case DICOMParser.explicitBig: little = false
        case DICOMParser.deflatedExplicitLittle:
            body = try Inflate.decompress(Array(bytes[start...]), container: .raw, file: file)
            start = 0
        default: break  // explicit little endian, and every encapsulated (compressed) syntax
        }
        if explicit, start + 6 <= body.count, !body[(start + 4)..<(start + 6)].allSatisfy({ (0x41...0x5A).contains($0) }) {
            // The first element has no VR: the data set is implicit VR whatever the meta group says (as pydicom,
            // which warns "Expected explicit VR, but found implicit VR").
            explicit = false
        }
        var cursor = FileByteCursor(body, file: file, offset: start, littleEndian: little)
        let dataSet = try readDataSet(&cursor, explicit: explicit, end: body.count, untilItemDelimiter: false, depth: 0)
        return (meta, dataSet, syntax)
    }

    private func readDataSet(_ c: inout FileByteCursor, explicit: Bool, end: Int, untilItemDelimiter: Bool,
                             depth: Int) throws -> DICOMDataSet {
        guard depth <= DICOMParser.maxDepth else {
            throw ImageIOError.invalidField(file: file, field: "sequence nesting at byte \(c.offset)",
                                                 expected: "at most \(DICOMParser.maxDepth) levels", got: "deeper")
        }
        var ds = DICOMDataSet(littleEndian: c.littleEndian)
        while c.offset < end {
            if untilItemDelimiter {
                let g = try c.peek(UInt16.self, at: c.offset, "item tag")
                let el = try c.peek(UInt16.self, at: c.offset + 2, "item tag")
                if DICOMTag(g, el) == .itemDelimitation {
                    try c.skip(8, "item delimitation")
                    return ds
                }
            }
            let e = try readElement(&c, explicit: explicit, depth: depth)
            ds.elements[e.tag] = e
        }
        if untilItemDelimiter {
            throw ImageIOError.truncatedAt(file: file, field: "item of undefined length (no item delimiter)",
                                              offset: c.offset, needed: 8)
        }
        return ds
    }

    private func readElement(_ c: inout FileByteCursor, explicit: Bool, depth: Int) throws -> DICOMElement {
        let at = c.offset
        let tag = DICOMTag(try c.read(UInt16.self, "element tag group at byte \(at)"),
                           try c.read(UInt16.self, "element tag element at byte \(at)"))
        var vr = "??"
        var length: UInt32
        if explicit && tag.group != 0xFFFE {
            let v = try c.readBytes(2, "\(tag) VR")
            vr = String(decoding: v, as: UTF8.self)
            guard v.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
                throw ImageIOError.invalidField(file: file, field: "\(tag) VR at byte \(at + 4)",
                                                     expected: "two upper-case letters", got: "bytes \(Array(v))")
            }
            if DICOMParser.longVRs.contains(vr) {
                try c.skip(2, "\(tag) reserved")
                length = try c.read(UInt32.self, "\(tag) length")
            } else {
                length = UInt32(try c.read(UInt16.self, "\(tag) length"))
            }
        } else {
            length = try c.read(UInt32.self, "\(tag) length")
            if DICOMTag.knownSequences.contains(tag) { vr = "SQ" }
        }
        let undefined = length == 0xFFFF_FFFF
        if tag == .pixelData && undefined {
            return DICOMElement(tag: tag, vr: vr, value: [], items: [], fragments: try readFragments(&c, tag: tag))
        }
        if vr == "SQ" || (undefined && (vr == "UN" || vr == "??")) {
            // An undefined-length UN is a sequence in implicit VR little endian (PS3.5 6.2.2).
            let itemsExplicit = (vr == "UN") ? false : explicit
            var inner = c
            if vr == "UN" { inner.littleEndian = true }
            let items = try readItems(&inner, explicit: itemsExplicit, tag: tag,
                                      end: undefined ? nil : c.offset + Int(length), depth: depth + 1)
            c.offset = inner.offset
            return DICOMElement(tag: tag, vr: vr == "??" ? "SQ" : vr, value: [], items: items, fragments: nil)
        }
        guard !undefined else {
            throw ImageIOError.invalidField(file: file, field: "\(tag) length at byte \(at)",
                                                 expected: "a defined length for VR \(vr)", got: "undefined (0xFFFFFFFF)")
        }
        let value = try c.readBytes(Int(length), "\(tag) value (\(length) bytes)")
        return DICOMElement(tag: tag, vr: vr, value: value, items: [], fragments: nil)
    }

    private func readItems(_ c: inout FileByteCursor, explicit: Bool, tag: DICOMTag, end: Int?,
                           depth: Int) throws -> [DICOMDataSet] {
        if let end { try c.require(end - c.offset, "\(tag) sequence") }
        var items: [DICOMDataSet] = []
        while end.map({ c.offset < $0 }) ?? true {
            let itemTag = DICOMTag(try c.read(UInt16.self, "\(tag) item tag"), try c.read(UInt16.self, "\(tag) item tag"))
            let len = try c.read(UInt32.self, "\(tag) item length")
            if itemTag == .sequenceDelimitation { break }
            guard itemTag == .item else {
                throw ImageIOError.invalidField(file: file, field: "\(tag) item at byte \(c.offset - 8)",
                                                     expected: "item tag (FFFE,E000)", got: itemTag.description)
            }
            if len == 0xFFFF_FFFF {
                items.append(try readDataSet(&c, explicit: explicit, end: end ?? c.bytes.count,
                                             untilItemDelimiter: true, depth: depth))
            } else {
                let itemEnd = c.offset + Int(len)
                try c.require(Int(len), "\(tag) item value")
                items.append(try readDataSet(&c, explicit: explicit, end: itemEnd, untilItemDelimiter: false, depth: depth))
            }
        }
        return items
    }

    private func readFragments(_ c: inout FileByteCursor, tag: DICOMTag) throws -> [ArraySlice<UInt8>] {
        var fragments: [ArraySlice<UInt8>] = []
        while true {
            let t = DICOMTag(try c.read(UInt16.self, "pixel data fragment tag"), try c.read(UInt16.self, "pixel data fragment tag"))
            let len = try c.read(UInt32.self, "pixel data fragment length")
            if t == .sequenceDelimitation { return fragments }
            guard t == .item, len != 0xFFFF_FFFF else {
                throw ImageIOError.invalidField(file: file, field: "encapsulated pixel data fragment at byte \(c.offset - 8)",
                                                     expected: "an item (FFFE,E000) of defined length", got: t.description)
            }
            fragments.append(try c.readBytes(Int(len), "pixel data fragment (\(len) bytes)"))
        }
    }
}
