import Foundation
import TensorCore

/// Writes single-file NIfTI-1 images (`.nii`, or gzip-compressed when the name ends in `.gz`), little-endian,
/// atomically: the 348-byte header, a 4-byte extension flag of zeros, then the voxels from byte 352.
public enum NIfTIWriter {
    /// Writes `voxels` (C order, x fastest: dims `[nz, ny, nx]` for an `nx × ny × nz` volume, any rank 1...7)
    /// on the grid of `template`: its voxel sizes (pixdim) and `spatial` fields (qform, sform, qfac, units)
    /// are copied; dimensions, datatype and bitpix come from `voxels`; no intensity scaling (slope 1, intercept 0).
    /// - Parameters:
    ///   - description: `descrip` (at most 79 bytes).
    ///   - displayRange: `cal_min`/`cal_max`, e.g. 0...1 for a mask.
    ///   - compressionLevel: zlib's level for `.gz` (0...9; 6 is zlib's default, 1 nibabel's).
    public static func write(_ voxels: RawVolume, like template: NIfTIHeader, to url: URL, description: String = "",
                             displayRange: (min: Double, max: Double)? = nil, compressionLevel: Int32 = 6) throws {
        let file = ImageIOError.name(url)
        guard let type = NIfTIHeader.datatype(of: voxels.dtype) else {
            throw ImageIOError.unsupported(file: file, field: "datatype", value: voxels.dtype.rawValue,
                                           supported: "uint8, int8, int16, uint16, int32, uint32, int64, uint64, float32, float64")
        }
        guard (1...7).contains(voxels.dims.count), voxels.dims.allSatisfy({ (1...Int(Int16.max)).contains($0) }) else {
            throw ImageIOError.invalidField(file: file, field: "dim", expected: "1 to 7 axes of 1...32767 voxels (NIfTI-1)",
                                            got: "\(voxels.dims)")
        }
        var header = template
        header.dimensions = Array(voxels.dims.reversed())
        header.datatype = type.code
        header.bitpix = type.bitpix
        header.sclSlope = 1
        header.sclInter = 0
        var bytes = header.encodedNIfTI1(description: description, displayRange: displayRange) + [0, 0, 0, 0]
        var data = voxels.bytes
        ByteOrder.convert(&data, elementSize: voxels.dtype.byteSize, fileIsLittleEndian: true)
        bytes += data
        if url.pathExtension.lowercased() == "gz" { bytes = try Deflate.gzip(bytes, level: compressionLevel, file: file) }
        try FileBytes.writeAtomically(bytes, to: url)
    }
}
