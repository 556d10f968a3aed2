import Foundation
import TensorCore
import TensorFiles

/// A NIfTI-1 or NIfTI-2 image (`.nii`, `.nii.gz`, or an `.hdr`/`.img` pair), decoded to its native
/// type. Voxels are in C order with x fastest: an `nx × ny × nz` volume has `voxels.dims ==
/// [nz, ny, nx]` (plus a leading t axis for 4-D, and a trailing sample axis for RGB).
public struct NIfTIVolume: Sendable {
    public let header: NIfTIHeader
    public let voxels: RawVolume
    /// Reads a NIfTI file; `.gz` files are decompressed with zlib as the voxels are copied out, so decoding
    /// takes the compressed file plus the decoded voxels (nothing else grows with the volume).
    /// - Parameter limit: the most bytes of voxels (and of `vox_offset`) accepted, before anything is
    ///   allocated; default `ReadLimits.maxDecodedBytes` (2 GiB, `AIMS_MAX_DECODED_MB`).
    public init(contentsOf url: URL, limit: Int = ReadLimits.maxDecodedBytes) throws {
        let file = ImageIOError.name(url)
        var source = try NIfTIBytes(FileBytes.mapped(url), file: file, limit: limit)
        let head = try source.read(upTo: 540)
        let header = try NIfTIHeader.parse(head, file: file)
        if header.magic == "ni1" || header.magic == "ni2" {
            // Header and image in two files: the voxels start at vox_offset of the .img (or .img.gz).
            let stem = url.pathExtension == "gz" ? url.deletingPathExtension().deletingPathExtension()
                : url.deletingPathExtension()
            var img = stem.appendingPathExtension("img")
            if !FileManager.default.fileExists(atPath: img.path) { img = img.appendingPathExtension("gz") }
            var voxels = try NIfTIBytes(FileBytes.mapped(img), file: ImageIOError.name(img), limit: limit)
            try self.init(header: header, source: &voxels, head: [], offset: header.voxelOffset, file: file, limit: limit)
        } else {
            try self.init(header: header, source: &source, head: head, offset: max(header.voxelOffset, header.version == 1 ? 352 : 544),
                          file: file, limit: limit)
        }
    }

    /// Reads a single-file NIfTI image (`n+1` / `n+2`, gzipped or not) from its bytes; `file` names it in errors.
    public init(data: Data, file: String, limit: Int = ReadLimits.maxDecodedBytes) throws {
        var source = try NIfTIBytes(data, file: file, limit: limit)
        let head = try source.read(upTo: 540)
        let header = try NIfTIHeader.parse(head, file: file)
        guard header.magic == "n+1" || header.magic == "n+2" else {
            throw ImageIOError.unsupported(file: file, field: "magic", value: "'\(header.magic)' (a .hdr/.img pair)",
                                           supported: "'n+1', 'n+2' (a single file)")
        }
        try self.init(header: header, source: &source, head: head, offset: max(header.voxelOffset, header.version == 1 ? 352 : 544),
                      file: file, limit: limit)
    }

    /// Decodes the voxels that follow `header` at `offset` in `data`.
    public init(header: NIfTIHeader, data: [UInt8], offset: Int, file: String, limit: Int = ReadLimits.maxDecodedBytes) throws {
        var source = NIfTIBytes(plain: Data(data))
        try self.init(header: header, source: &source, head: [], offset: offset, file: file, limit: limit)
    }

    /// Decodes the voxels at byte `offset` of `source`, of which the first `head.count` bytes were already read
    /// into `head`: the voxel buffer is allocated once, at its final size, after the limits are checked.
    init(header: NIfTIHeader, source: inout NIfTIBytes, head: [UInt8], offset: Int, file: String, limit: Int) throws {
        let (dtype, samples) = try header.storage(file: file)
        guard header.bitpix == dtype.byteSize * 8 * samples else {
            throw ImageIOError.invalidField(file: file, field: "bitpix", expected: "\(dtype.byteSize * 8 * samples) for datatype \(header.datatype)",
                                                 got: "\(header.bitpix)")
        }
        // A product that overflows is as absurd as one above the limit: both are refused before allocating.
        var count = samples * dtype.byteSize, overflow = false
        for d in header.dimensions where !overflow {
            (count, overflow) = count.multipliedReportingOverflow(by: d)
        }
        guard !overflow, count <= limit else {
            throw ImageIOError.invalidField(file: file, field: "dim", expected: "at most \(ReadLimits.describe(limit)) of voxels",
                                            got: "\(header.dimensions) \(dtype)\(samples > 1 ? " x \(samples)" : "") = \(overflow ? "more than Int.max" : String(count)) bytes")
        }
        guard offset >= 0, offset <= limit else {
            throw ImageIOError.invalidField(file: file, field: "vox_offset", expected: "0...\(limit)", got: "\(offset)")
        }
        let byteCount = count
        let fromHead = max(0, min(head.count - offset, byteCount))
        // A file too short to hold the voxels (even at deflate's best ratio) is refused before allocating them.
        let needed = max(0, offset - head.count) + byteCount - fromHead
        guard needed <= source.mostBytesLeft else {
            throw ImageIOError.truncatedAt(file: file, field: "voxel data (\(header.dimensions) \(dtype))", offset: offset,
                                           needed: byteCount, available: source.mostBytesLeft)
        }
        var native = [UInt8](repeating: 0, count: byteCount)
        if fromHead > 0 { native.replaceSubrange(0..<fromHead, with: head[offset..<(offset + fromHead)]) }
        if offset > head.count {
            let skipped = try source.skip(offset - head.count)
            guard skipped == offset - head.count else {
                throw ImageIOError.truncatedAt(file: file, field: "voxel data (\(header.dimensions) \(dtype))", offset: head.count + skipped,
                                               needed: byteCount)
            }
        }
        let got = try native.withUnsafeMutableBytes { try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[fromHead...])) }
        guard fromHead + got == byteCount else {
            throw ImageIOError.truncatedAt(file: file, field: "voxel data (\(header.dimensions) \(dtype))", offset: offset,
                                           needed: byteCount, available: fromHead + got)
        }
        if header.littleEndian != (1.littleEndian == 1) {
            native.withUnsafeMutableBytes { ByteOrder.swapElements($0, elementSize: dtype.byteSize) }
        }
        var dims = Array(header.dimensions.reversed())
        if samples > 1 { dims.append(samples) }
        self.header = header
        self.voxels = RawVolume(dims: dims, dtype: dtype, bytes: native)
    }

    /// Calls `body` with the voxels as Float, `scl_slope`/`scl_inter` applied (as `scaledValues`), in order,
    /// `chunk` values at a time: statistics of a volume without a Float copy of all of it.
    public func forEachScaledChunk(_ chunk: Int = 1 << 20, _ body: (UnsafeBufferPointer<Float>) -> Void) {
        let s = header.scaling
        voxels.forEachChunk(slope: s.map { Float($0.slope) } ?? 1, intercept: s.map { Float($0.intercept) } ?? 0, chunk: chunk, body)
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

/// The bytes of a NIfTI file read front to back: a plain file (memory-mapped) or a gzip stream inflated on
/// demand (`InflateStream`), so a `.nii.gz` never exists decompressed in memory beyond its voxels.
struct NIfTIBytes {
    private let data: Data
    private var position = 0
    private let stream: InflateStream?

    /// `data` as it is, or through zlib when it starts with the gzip magic `1F 8B`.
    init(_ data: Data, file: String, limit: Int) throws {
        self.data = data
        let gz = data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
        // The voxels and vox_offset are each within `limit`; the header is at most 544 bytes.
        stream = gz ? try InflateStream(data, container: .gzip, maxOutput: limit > Int.max / 4 ? Int.max : 2 * limit + 1024,
                                        file: file) : nil
    }

    /// An upper bound of the bytes left to read: exact for a plain file; for gzip, what the compressed bytes
    /// could inflate to at DEFLATE's largest ratio (1032:1), so a short `.nii.gz` claiming a huge volume is
    /// refused before the voxels are allocated.
    var mostBytesLeft: Int {
        guard let stream else { return data.count - position }
        let (bound, overflow) = data.count.multipliedReportingOverflow(by: 1032)
        return overflow ? Int.max : bound + 65536 - stream.produced
    }

    /// `data` as it is.
    init(plain data: Data) {
        self.data = data
        stream = nil
    }

    /// Fills `destination` from the current position; returns how many bytes there were.
    mutating func read(into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        if let stream { return try stream.read(into: destination) }
        let n = min(destination.count, data.count - position)
        guard n > 0 else { return 0 }
        data.withUnsafeBytes { src in
            destination.baseAddress!.copyMemory(from: src.baseAddress! + position, byteCount: n)
        }
        position += n
        return n
    }

    /// The next `count` bytes, or all that are left.
    mutating func read(upTo count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let n = try out.withUnsafeMutableBytes { try read(into: $0) }
        out.removeLast(count - n)
        return out
    }

    /// Skips `count` bytes; returns how many there were.
    mutating func skip(_ count: Int) throws -> Int {
        if let stream { return try stream.skip(count) }
        let n = max(0, min(count, data.count - position))
        position += n
        return n
    }
}
