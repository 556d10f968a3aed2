/// A DICOM transfer syntax by UID (PS3.5 §10, PS3.6 Annex A): its name and how aims decodes its pixel data.
public struct DICOMTransferSyntax: Sendable, Equatable, CustomStringConvertible {
    /// How the Pixel Data of a syntax is coded.
    public enum Coding: Sendable, Equatable {
        /// Uncompressed (native) pixel data; `littleEndian` is the data set's byte order.
        case native
        /// RLE Lossless (PS3.5 Annex G), decoded in Swift.
        case rle
        /// JPEG (ISO 10918-1: baseline, extended, lossless), JPEG-LS (ISO 14495-1) or JPEG 2000 (ISO 15444-1),
        /// decoded by GDCM.
        case jpeg, jpegLS, jpeg2000
        /// Known but not decoded (video, JPIP, HTJ2K, JPEG 2000 Part 2, private); `reason` says why.
        case refused(reason: String)
    }

    public let uid: String
    /// PS3.6 name, e.g. `JPEG Lossless, Non-Hierarchical, First-Order Prediction`.
    public let name: String
    public let coding: Coding

    public var description: String { "\(uid) (\(name))" }

    /// The syntax of `uid`; unknown UIDs are refused with the name `unknown transfer syntax`.
    public init(uid: String) {
        self.uid = uid
        if let known = DICOMTransferSyntax.table[uid] {
            (name, coding) = known
        } else {
            (name, coding) = ("unknown transfer syntax", .refused(reason: "not a DICOM transfer syntax aims knows"))
        }
    }

    /// True for syntaxes whose Pixel Data is encapsulated (fragments).
    public var isEncapsulated: Bool {
        switch coding {
        case .native: return false
        default: return !DICOMTransferSyntax.nativeUIDs.contains(uid)
        }
    }

    static let nativeUIDs: Set<String> = ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99",
                                          "1.2.840.10008.1.2.2"]

    /// Refusal reasons by key, for `listing`.
    private static let reasons = [
        "video": "video (MPEG / HEVC) is not an image codec aims decodes",
        "part2": "JPEG 2000 Part 2 multi-component transforms are not decoded",
        "jpip": "the pixels are on a JPIP server, not in the file",
        "htj2k": "GDCM 3.0 does not decode HTJ2K",
    ]

    /// PS3.6 Table A-1, one syntax a line: `UID|name|coding` (native, rle, jpeg, jpegLS, jpeg2000, or a key of
    /// `reasons` for a refused one).
    private static let listing = """
        1.2.840.10008.1.2|Implicit VR Little Endian|native
        1.2.840.10008.1.2.1|Explicit VR Little Endian|native
        1.2.840.10008.1.2.1.99|Deflated Explicit VR Little Endian|native
        1.2.840.10008.1.2.2|Explicit VR Big Endian|native
        1.2.840.10008.1.2.4.50|JPEG Baseline (Process 1)|jpeg
        1.2.840.10008.1.2.4.51|JPEG Extended (Process 2 & 4)|jpeg
        1.2.840.10008.1.2.4.57|JPEG Lossless, Non-Hierarchical (Process 14)|jpeg
        1.2.840.10008.1.2.4.70|JPEG Lossless, Non-Hierarchical, First-Order Prediction|jpeg
        1.2.840.10008.1.2.4.80|JPEG-LS Lossless Image Compression|jpegLS
        1.2.840.10008.1.2.4.81|JPEG-LS Lossy (Near-Lossless) Image Compression|jpegLS
        1.2.840.10008.1.2.4.90|JPEG 2000 Image Compression (Lossless Only)|jpeg2000
        1.2.840.10008.1.2.4.91|JPEG 2000 Image Compression|jpeg2000
        1.2.840.10008.1.2.4.92|JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)|part2
        1.2.840.10008.1.2.4.93|JPEG 2000 Part 2 Multi-component Image Compression|part2
        1.2.840.10008.1.2.4.94|JPIP Referenced|jpip
        1.2.840.10008.1.2.4.95|JPIP Referenced Deflate|jpip
        1.2.840.10008.1.2.4.100|MPEG2 Main Profile / Main Level|video
        1.2.840.10008.1.2.4.101|MPEG2 Main Profile / High Level|video
        1.2.840.10008.1.2.4.102|MPEG-4 AVC/H.264 High Profile / Level 4.1|video
        1.2.840.10008.1.2.4.103|MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1|video
        1.2.840.10008.1.2.4.104|MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video|video
        1.2.840.10008.1.2.4.105|MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video|video
        1.2.840.10008.1.2.4.106|MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2|video
        1.2.840.10008.1.2.4.107|HEVC/H.265 Main Profile / Level 5.1|video
        1.2.840.10008.1.2.4.108|HEVC/H.265 Main 10 Profile / Level 5.1|video
        1.2.840.10008.1.2.4.201|High-Throughput JPEG 2000 Image Compression (Lossless Only)|htj2k
        1.2.840.10008.1.2.4.202|High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)|htj2k
        1.2.840.10008.1.2.4.203|High-Throughput JPEG 2000 Image Compression|htj2k
        1.2.840.10008.1.2.5|RLE Lossless|rle
        """

    private static let table: [String: (String, Coding)] = {
        let codings: [String: Coding] = ["native": .native, "rle": .rle, "jpeg": .jpeg, "jpegLS": .jpegLS,
                                         "jpeg2000": .jpeg2000]
        var table: [String: (String, Coding)] = [:]
        for line in listing.split(separator: "\n") {
            let f = line.split(separator: "|").map(String.init)
            table[f[0]] = (f[1], codings[f[2]] ?? .refused(reason: reasons[f[2]]!))
        }
        return table
    }()
}
