import Foundation
import TensorCore
import TensorFiles

/// A DICOM image: the attributes of the image pixel module and the modality LUT, and the pixel
/// data decoded to its native type (`storedPixels`, in `DICOMImage+Pixels.swift`): native syntaxes
/// (implicit and explicit VR little endian, explicit VR big endian, deflated explicit VR), RLE Lossless,
/// and through GDCM JPEG (baseline, extended, lossless), JPEG-LS and JPEG 2000. Other syntaxes (video,
/// JPIP, HTJ2K, JPEG 2000 Part 2, unknown UIDs) give `ImageIOError.unsupported` naming UID and name.
public struct DICOMImage: Sendable {
    public let file: String
    public let dataSet: DICOMDataSet
    public let transferSyntax: String
    /// `transferSyntax` with its PS3.6 name and how it is decoded.
    public var syntax: DICOMTransferSyntax { DICOMTransferSyntax(uid: transferSyntax) }
    public let rows: Int
    public let columns: Int
    public let samplesPerPixel: Int
    public let frames: Int
    public let bitsAllocated: Int
    public let bitsStored: Int
    /// True for two's-complement pixels (PixelRepresentation 1).
    public let signedPixels: Bool
    /// e.g. `MONOCHROME2`, `RGB`.
    public let photometricInterpretation: String
    /// Modality LUT: stored value × slope + intercept gives the output unit (HU for CT).
    public let rescaleSlope: Double
    public let rescaleIntercept: Double
    /// VOI window centres and widths stored in the file (may be empty).
    public let windowCenters: [Double]
    public let windowWidths: [Double]
    /// `CT`, `MR`, `US`, ...
    public let modality: String?
    /// Row and column spacing in millimetres, if stored.
    public let pixelSpacing: [Double]

    /// Reads and parses a DICOM Part 10 file.
    public init(contentsOf url: URL) throws {
        try self.init(bytes: try FileBytes.read(url), file: ImageIOError.name(url))
    }

    /// Parses DICOM bytes; `file` names the source in errors.
    public init(bytes: [UInt8], file: String) throws {
        let parsed = try DICOMParser(file: file).parse(bytes)
        let ds = parsed.dataSet
        self.file = file
        self.dataSet = ds
        self.transferSyntax = parsed.transferSyntax
        func required(_ tag: DICOMTag, _ name: String, _ range: ClosedRange<Int>) throws -> Int {
            guard let v = ds.unsigned16(tag) else {
                throw ImageIOError.invalidField(file: file, field: "\(name) \(tag)", expected: "present", got: "missing")
            }
            guard range.contains(v) else {
                throw ImageIOError.invalidField(file: file, field: "\(name) \(tag)", expected: "\(range)", got: "\(v)")
            }
            return v
        }
        rows = try required(.rows, "Rows", 1...65535)
        columns = try required(.columns, "Columns", 1...65535)
        samplesPerPixel = ds.unsigned16(.samplesPerPixel) ?? 1
        guard samplesPerPixel == 1 || samplesPerPixel == 3 else {
            throw ImageIOError.invalidField(file: file, field: "SamplesPerPixel \(DICOMTag.samplesPerPixel)",
                                                 expected: "1 or 3", got: "\(samplesPerPixel)")
        }
        let frameCount = ds.numbers(.numberOfFrames).first ?? 1
        guard frameCount.isFinite, (0...Double(Int32.max)).contains(frameCount) else {
            throw ImageIOError.invalidField(file: file, field: "NumberOfFrames \(DICOMTag.numberOfFrames)", expected: "0...2147483647",
                                            got: ds.string(.numberOfFrames) ?? "\(frameCount)")
        }
        frames = max(1, Int(frameCount))
        bitsAllocated = try required(.bitsAllocated, "BitsAllocated", 1...64)
        // The decoded size, checked here once, before any pixel is touched: frames × rows × columns × samples ×
        // bytes within the decode limit (a product that overflows is refused the same way).
        var decodedBytes = 1, overflow = false
        for factor in [frames, rows, columns, samplesPerPixel, max(1, (bitsAllocated + 7) / 8)] where !overflow {
            (decodedBytes, overflow) = decodedBytes.multipliedReportingOverflow(by: factor)
        }
        guard !overflow, decodedBytes <= ReadLimits.maxDecodedBytes else {
            throw ImageIOError.decodedSizeTooLarge(file: file, shape: [frames, rows, columns, samplesPerPixel],
                                                   byteSize: max(1, (bitsAllocated + 7) / 8), limit: ReadLimits.maxDecodedBytes)
        }
        bitsStored = ds.unsigned16(.bitsStored) ?? bitsAllocated
        guard (1...bitsAllocated).contains(bitsStored) else {
            throw ImageIOError.invalidField(file: file, field: "BitsStored \(DICOMTag.bitsStored)",
                                                 expected: "1...\(bitsAllocated)", got: "\(bitsStored)")
        }
        signedPixels = (ds.unsigned16(.pixelRepresentation) ?? 0) == 1
        photometricInterpretation = ds.string(.photometricInterpretation) ?? "MONOCHROME2"
        // Enhanced multi-frame images keep the modality LUT in the shared functional groups.
        let lutSource = ds[.rescaleSlope] != nil || ds[.rescaleIntercept] != nil ? ds
            : ds.firstItem(.sharedFunctionalGroupsSequence)?.firstItem(.pixelValueTransformationSequence) ?? ds
        rescaleSlope = lutSource.numbers(.rescaleSlope).first ?? 1
        rescaleIntercept = lutSource.numbers(.rescaleIntercept).first ?? 0
        windowCenters = ds.numbers(.windowCenter)
        windowWidths = ds.numbers(.windowWidth)
        modality = ds.string(.modality)
        pixelSpacing = ds.numbers(.pixelSpacing)
    }

    /// Element type of the decoded pixels.
    public var pixelType: DType {
        switch (bitsAllocated, signedPixels) {
        case (1, _): return .uint8
        case (8, false): return .uint8
        case (8, true): return .int8
        case (16, false): return .uint16
        case (16, true): return .int16
        case (32, false): return .uint32
        default: return .int32
        }
    }

    /// One frame in modality units (stored value × slope + intercept; Hounsfield units for CT),
    /// as `[samples, rows, columns]`.
    public func modalityValues(frame: Int = 0) throws -> Tensor {
        guard (0..<frames).contains(frame) else {
            throw ImageIOError.invalidField(file: file, field: "frame index", expected: "0..<\(frames)", got: "\(frame)")
        }
        return try modalityValues(frame: frame, of: storedPixels())
    }

    /// Frame `frame` of already decoded `storedPixels()` in modality units, `[samples, rows, columns]`: a
    /// multi-frame compressed file is then decoded once for all its frames.
    public func modalityValues(frame: Int, of stored: RawVolume) throws -> Tensor {
        guard (0..<frames).contains(frame), stored.dims == [frames, rows, columns, samplesPerPixel] else {
            throw ImageIOError.invalidField(file: file, field: "frame index", expected: "0..<\(frames)", got: "\(frame)")
        }
        // Only this frame is converted (a multi-frame file is not converted once per frame).
        let s = samplesPerPixel, hw = rows * columns, size = stored.dtype.byteSize
        let slope = Float(rescaleSlope), intercept = Float(rescaleIntercept)
        var values = [Float](repeating: 0, count: hw * s)
        stored.bytes.withUnsafeBytes { raw in
            values.withUnsafeMutableBufferPointer { v in
                stored.dtype.decode(raw.baseAddress! + frame * hw * s * size, count: hw * s, littleEndian: 1.littleEndian == 1,
                                    into: v.baseAddress!)
            }
        }
        return Tensor(shape: [s, rows, columns]) { out in
            let scaled = slope != 1 || intercept != 0
            for p in 0..<hw { for k in 0..<s { let v = values[p * s + k]; out[k * hw + p] = scaled ? v * slope + intercept : v } }
        }
    }
}
