/// A DICOM attribute tag `(group, element)`.
public struct DICOMTag: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var group: UInt16
    public var element: UInt16

    public init(_ group: UInt16, _ element: UInt16) {
        self.group = group
        self.element = element
    }

    public var description: String {
        "(" + String(group, radix: 16, uppercase: true).leftPadded(4) + ","
            + String(element, radix: 16, uppercase: true).leftPadded(4) + ")"
    }

    public static func < (a: DICOMTag, b: DICOMTag) -> Bool { (a.group, a.element) < (b.group, b.element) }

    // Attributes aims reads (PS3.6 data dictionary).
    public static let transferSyntaxUID = DICOMTag(0x0002, 0x0010)
    public static let modality = DICOMTag(0x0008, 0x0060)
    public static let sliceThickness = DICOMTag(0x0018, 0x0050)
    public static let spacingBetweenSlices = DICOMTag(0x0018, 0x0088)
    public static let seriesInstanceUID = DICOMTag(0x0020, 0x000E)
    public static let instanceNumber = DICOMTag(0x0020, 0x0013)
    public static let imagePositionPatient = DICOMTag(0x0020, 0x0032)
    public static let imageOrientationPatient = DICOMTag(0x0020, 0x0037)
    public static let samplesPerPixel = DICOMTag(0x0028, 0x0002)
    public static let photometricInterpretation = DICOMTag(0x0028, 0x0004)
    public static let planarConfiguration = DICOMTag(0x0028, 0x0006)
    public static let numberOfFrames = DICOMTag(0x0028, 0x0008)
    public static let rows = DICOMTag(0x0028, 0x0010)
    public static let columns = DICOMTag(0x0028, 0x0011)
    public static let pixelSpacing = DICOMTag(0x0028, 0x0030)
    public static let bitsAllocated = DICOMTag(0x0028, 0x0100)
    public static let bitsStored = DICOMTag(0x0028, 0x0101)
    public static let pixelRepresentation = DICOMTag(0x0028, 0x0103)
    public static let windowCenter = DICOMTag(0x0028, 0x1050)
    public static let windowWidth = DICOMTag(0x0028, 0x1051)
    public static let rescaleIntercept = DICOMTag(0x0028, 0x1052)
    public static let rescaleSlope = DICOMTag(0x0028, 0x1053)
    public static let pixelValueTransformationSequence = DICOMTag(0x0028, 0x9145)
    public static let sharedFunctionalGroupsSequence = DICOMTag(0x5200, 0x9229)
    public static let perFrameFunctionalGroupsSequence = DICOMTag(0x5200, 0x9230)
    public static let pixelData = DICOMTag(0x7FE0, 0x0010)
    static let item = DICOMTag(0xFFFE, 0xE000)
    static let itemDelimitation = DICOMTag(0xFFFE, 0xE00D)
    static let sequenceDelimitation = DICOMTag(0xFFFE, 0xE0DD)

    /// Sequences that implicit-VR files must be told about (their VR is not in the file).
    static let knownSequences: Set<DICOMTag> = [pixelValueTransformationSequence, sharedFunctionalGroupsSequence,
                                                perFrameFunctionalGroupsSequence, DICOMTag(0x0028, 0x9110),
                                                DICOMTag(0x0020, 0x9113), DICOMTag(0x0020, 0x9116),
                                                DICOMTag(0x0008, 0x1140), DICOMTag(0x0008, 0x1115)]
}

private extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}

/// One data element: its value bytes, or the items of a sequence.
public struct DICOMElement: Sendable {
    public var tag: DICOMTag
    /// Value representation (`"US"`, `"DS"`, `"SQ"`, ...); `"??"` in implicit-VR files where unknown.
    public var vr: String
    /// Raw value bytes in the data set's byte order (empty for sequences).
    public var value: ArraySlice<UInt8>
    /// Items, for a sequence (`SQ`).
    public var items: [DICOMDataSet]
    /// Fragments of encapsulated (compressed) pixel data; nil for native pixel data.
    public var fragments: [ArraySlice<UInt8>]?
}

/// A parsed DICOM data set: elements by tag, with typed accessors. Nested sequences are parsed
/// into data sets of their own.
public struct DICOMDataSet: Sendable {
    public var elements: [DICOMTag: DICOMElement] = [:]
    public var littleEndian: Bool

    public subscript(tag: DICOMTag) -> DICOMElement? { elements[tag] }

    /// Text value with trailing spaces and NULs removed (all values of a multi-valued string).
    public func string(_ tag: DICOMTag) -> String? {
        guard let v = elements[tag]?.value else { return nil }
        let s = String(decoding: v, as: UTF8.self)
        return s.trimmingCharacters(in: .init(charactersIn: " \0"))
    }

    /// Backslash-separated numbers of a DS or IS attribute.
    public func numbers(_ tag: DICOMTag) -> [Double] {
        guard let s = string(tag) else { return [] }
        return s.split(separator: "\\").compactMap { Double($0.trimmingCharacters(in: .init(charactersIn: " \0"))) }
    }

    /// First value of a US attribute, or of an IS string.
    public func unsigned16(_ tag: DICOMTag) -> Int? {
        guard let e = elements[tag] else { return nil }
        // A text number that is not finite or beyond ±2^53 ("NaN", "1e400") is no value, not a trap.
        if e.vr == "IS" || e.vr == "DS" { return numbers(tag).first.flatMap { $0.magnitude <= 0x1p53 ? Int($0) : nil } }
        guard e.value.count >= 2 else { return nil }
        let lo = UInt16(e.value[e.value.startIndex]), hi = UInt16(e.value[e.value.startIndex + 1])
        return Int(littleEndian ? lo | hi << 8 : hi | lo << 8)
    }

    /// The first item of a sequence attribute.
    public func firstItem(_ tag: DICOMTag) -> DICOMDataSet? { elements[tag]?.items.first }
}

import Foundation
