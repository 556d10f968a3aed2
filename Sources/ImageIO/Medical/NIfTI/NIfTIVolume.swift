import Foundation
import TensorCore

/// A NIfTI-1 or NIfTI-2 image (`.nii`, `.nii.gz`, or an `.hdr`/`.img` pair), decoded to its native
/// type. Voxels are in C order with x fastest: an `nx × ny × nz` volume has `voxels.dims ==
/// [nz, ny, nx]` (plus a leading t axis for 4-D, and a trailing sample axis for RGB).
public struct NIfTIVolume: Sendable {
    public let header: NIfTIHeader
    public let voxels: RawVolume
    /// The most voxels a file may declare (2^31) unless the caller raises it.
    public static let defaultVoxelLimit = 1 << 31

    /// Reads a NIfTI file; `.gz` files are decompressed with zlib.
    public init(contentsOf url: URL, voxelLimit: Int = NIfTIVolume.defaultVoxelLimit) throws {
        let file = ImageIOError.name(url)
        var bytes = try FileBytes.read(url)
        if bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B {
            bytes = try Inflate.decompress(bytes, container: .gzip, maxOutput: voxelLimit * 8 + (1 << 20), file: file)
        }
        let header = try NIfTIHeader.parse(bytes, file: file)
        var data = bytes
        var offset = header.voxelOffset
        if header.magic == "ni1" || header.magic == "ni2" {
            // Header and image in two files: the voxels start at vox_offset of the .img (or .img.gz).
            let stem = url.pathExtension == "gz" ? url.deletingPathExtension().deletingPathExtension()
                : url.deletingPathExtension()
            var img = stem.appendingPathExtension("img")
            if !FileManager.default.fileExists(atPath: img.path) { img = img.appendingPathExtension("gz") }
            data = try FileBytes.read(img)
            if data.count >= 2 && data[0] == 0x1F && data[1] == 0x8B {
                data = try Inflate.decompress(data, container: .gzip, maxOutput: voxelLimit * 8 + (1 << 20), file: ImageIOError.name(img))
            }
        } else {
            offset = max(offset, header.version == 1 ? 352 : 544)
        }
        try self.init(header: header, data: data, offset: offset, file: file, voxelLimit: voxelLimit)
    }

    /// Decodes the voxels that follow `header` at `offset` in `data`.
    public init(header: NIfTIHeader, data: [UInt8], offset: Int, file: String,
                voxelLimit: Int = NIfTIVolume.defaultVoxelLimit) throws {
        let (dtype, samples) = try header.storage(file: file)
        guard header.bitpix == dtype.byteSize * 8 * samples else {
            throw ImageIOError.invalidField(file: file, field: "bitpix", expected: "\(dtype.byteSize * 8 * samples) for datatype \(header.datatype)",
                                                 got: "\(header.bitpix)")
        }
        // A product that overflows is as absurd as one above the limit: both are refused.
        var voxels = 1, overflow = false
        for d in header.dimensions where !overflow {
            (voxels, overflow) = voxels.multipliedReportingOverflow(by: d)
        }
        guard !overflow, voxels <= voxelLimit else {
            throw ImageIOError.invalidField(file: file, field: "dim", expected: "at most \(voxelLimit) voxels",
                                                 got: "\(header.dimensions) = \(overflow ? "more than Int.max" : String(voxels))")
        }
        let count = voxels * samples
        let byteCount = count * dtype.byteSize
        guard offset >= 0, data.count - offset >= byteCount else {
            throw ImageIOError.truncatedAt(file: file, field: "voxel data (\(header.dimensions) \(dtype))",
                                              offset: offset, needed: byteCount)
        }
        var native = [UInt8](repeating: 0, count: byteCount)
        if header.littleEndian == (1.littleEndian == 1) {
            native.withUnsafeMutableBytes { dst in
                data.withUnsafeBytes { src in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<(offset + byteCount)])) }
            }
        } else {
            let w = dtype.byteSize
            for i in 0..<count { for b in 0..<w { native[i * w + b] = data[offset + i * w + (w - 1 - b)] } }
        }
        var dims = Array(header.dimensions.reversed())
        if samples > 1 { dims.append(samples) }
        self.header = header
        self.voxels = RawVolume(dims: dims, dtype: dtype, bytes: native)
    }

    /// The voxels as Float with `scl_slope`/`scl_inter` applied (when they apply), same dims as `voxels`.
    public func scaledValues() -> Tensor {
        if let s = header.scaling { return voxels.toTensor(slope: Float(s.slope), intercept: Float(s.intercept)) }
        return voxels.toTensor()
    }

    /// A 2-D slice of a 3-D (or the first volume of a 4-D) scalar image, scaled, as `[rows, cols]`.
    /// - Parameters:
    ///   - axis: 0 = x (sagittal: rows z, cols y), 1 = y (coronal: rows z, cols x), 2 = z (axial: rows y, cols x).
    ///   - index: position along that axis.
    public func slice(axis: Int, index: Int) throws -> Tensor {
        let d = header.dimensions
        guard d.count >= 3, voxels.dims.last == d[0] else {
            throw ImageIOError.invalidField(file: "NIfTI", field: "dim", expected: "a scalar volume of rank ≥ 3", got: "\(d)")
        }
        guard (0...2).contains(axis), (0..<d[axis]).contains(index) else {
            throw ImageIOError.invalidField(file: "NIfTI", field: "slice", expected: "axis 0...2, index 0..<\(d[min(max(axis, 0), 2)])",
                                                 got: "axis \(axis), index \(index)")
        }
        let nx = d[0], ny = d[1], nz = d[2]
        let all = scaledValues()
        return all.withUnsafeBufferPointer { v in
            func at(_ x: Int, _ y: Int, _ z: Int) -> Float { v[(z * ny + y) * nx + x] }
            switch axis {
            case 0: return Tensor(shape: [nz, ny]) { o in for z in 0..<nz { for y in 0..<ny { o[z * ny + y] = at(index, y, z) } } }
            case 1: return Tensor(shape: [nz, nx]) { o in for z in 0..<nz { for x in 0..<nx { o[z * nx + x] = at(x, index, z) } } }
            default: return Tensor(shape: [ny, nx]) { o in for y in 0..<ny { for x in 0..<nx { o[y * nx + x] = at(x, y, index) } } }
            }
        }
    }

}
