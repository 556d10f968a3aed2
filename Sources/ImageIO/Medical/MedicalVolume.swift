import Foundation
import TensorCore

/// A 3-D scalar volume with its place in the world: a NIfTI file (`.nii`, `.nii.gz`) or a folder holding one
/// DICOM series. Voxel (i, j, k): i the fastest axis (NIfTI x, DICOM column), j (NIfTI y, DICOM row), k the
/// slice; `values` is `[nz, ny, nx]`, so slice k is the `[ny, nx]` image with rows j and columns i.
public struct MedicalVolume: Sendable {
    /// Values in the source's units: NIfTI's scaled values (scl_slope/scl_inter), DICOM's modality values
    /// (Hounsfield units for CT). `[nz, ny, nx]`.
    public var values: Tensor
    /// The NIfTI header a volume on this grid carries: a NIfTI source's own (qform, sform, pixdim and units are
    /// copied to outputs unchanged); for DICOM, qform and sform (code 1, scanner) built from `affine`, units mm.
    public var header: NIfTIHeader
    /// `header.affine`: voxel (i, j, k) → RAS+ millimetres.
    public var affine: Affine3D
    /// DICOM Modality (`CT`, `MR`, ...); nil for NIfTI, which does not say.
    public var modality: String?
    /// What was read, for messages: `NIfTI-1 file`, or the series UID and file count.
    public var summary: String
    /// Files of a DICOM folder that were left out (not DICOM Part 10).
    public var skippedFiles: [String] = []

    /// `(nx, ny, nz)`.
    public var size: (x: Int, y: Int, z: Int) { (values.shape[2], values.shape[1], values.shape[0]) }

    /// Reads a NIfTI file or a DICOM series folder (see `DICOMSeries`).
    public init(contentsOf url: URL) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw ImageIOError.io(file: ImageIOError.name(url), reason: "no such file or folder")
        }
        if isFolder.boolValue {
            try self.init(series: try DICOMSeries(folder: url))
        } else {
            try self.init(nifti: try NIfTIVolume(contentsOf: url), file: ImageIOError.name(url))
        }
    }

    /// A NIfTI image of one 3-D scalar volume (a 4-D file with a single time point counts).
    public init(nifti: NIfTIVolume, file: String) throws {
        let d = nifti.header.dimensions
        guard d.count == 3, nifti.voxels.dims.count == 3 else {
            throw ImageIOError.invalidField(file: file, field: "dim", expected: "a 3-D scalar volume (nx, ny, nz)",
                                            got: "\(d)\(nifti.voxels.dims.count > d.count ? " with \(nifti.voxels.dims.last!) samples per voxel" : "")")
        }
        values = nifti.scaledValues()
        header = nifti.header
        affine = nifti.header.affine
        modality = nil
        summary = "NIfTI-\(nifti.header.version) \(d[0])x\(d[1])x\(d[2])"
    }

    /// A DICOM series: modality values, and a NIfTI header (qform and sform code 1) from the series' affine.
    public init(series: DICOMSeries) throws {
        let (n, h, w) = series.shape
        guard let (spatial, voxelSize) = NIfTISpatial.from(affine: series.affine, code: 1) else {
            throw ImageIOError.invalidField(file: series.folder, field: "ImageOrientationPatient/PixelSpacing/slice positions",
                                            expected: "a non-degenerate voxel grid", got: "\(series.affine.rows)")
        }
        values = try series.modalityValues()
        header = NIfTIHeader(version: 1, littleEndian: true, dimensions: [w, h, n], datatype: 16, bitpix: 32,
                             voxelSize: voxelSize, voxelOffset: 352, sclSlope: 1, sclInter: 0, magic: "n+1",
                             spatial: spatial)
        affine = series.affine
        modality = series.images[0].modality
        summary = "DICOM series \(series.seriesInstanceUID), \(n) slice(s) of \(w)x\(h)"
        skippedFiles = series.skipped
    }

    /// Writes `mask` (`[nz, ny, nx]`, > 0 inside) as a uint8 0/1 NIfTI-1 on this volume's grid (qform, sform,
    /// pixdim and units as `header`), `.nii` or `.nii.gz` by the name, atomically.
    public func writeMask(_ mask: Tensor, to url: URL, description: String = "aims mask") throws {
        guard mask.shape == values.shape else {
            throw ImageIOError.invalidField(file: ImageIOError.name(url), field: "mask shape", expected: "\(values.shape)",
                                            got: "\(mask.shape)")
        }
        let bytes = mask.withUnsafeBufferPointer { m in m.map { $0 > 0 ? UInt8(1) : 0 } }
        try NIfTIWriter.write(RawVolume(dims: mask.shape, dtype: .uint8, bytes: bytes), like: header, to: url,
                              description: description, displayRange: (0, 1))
    }
}
