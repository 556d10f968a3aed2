import Foundation
import TensorCore

/// One DICOM series in a folder, stacked into a volume: single-frame, single-sample images of one Series Instance
/// UID, ordered by their Image Position (Patient) projected on the slice normal (row cosine × column cosine) —
/// not by file name or Instance Number. Voxel (i, j, k) is column i, row j of the k-th slice in that order
/// (`docs/REFERENCE.md §11.1`).
public struct DICOMSeries: Sendable {
    /// The folder's name, for messages.
    public let folder: String
    /// File names in slice order.
    public let files: [String]
    /// The images in slice order.
    public let images: [DICOMImage]
    /// Files that are not DICOM Part 10 (no `DICM` at byte 128), and DICOMDIR, which were left out.
    public let skipped: [String]
    public let seriesInstanceUID: String
    /// Image Orientation (Patient): unit vectors along a row (increasing column) and along a column, LPS+.
    public let rowCosine: [Double]
    public let columnCosine: [Double]
    /// Pixel Spacing: between rows and between columns, millimetres.
    public let rowSpacing: Double
    public let columnSpacing: Double
    /// Image Position (Patient) of each slice in slice order: the centre of its first pixel, LPS+ millimetres.
    public let positions: [[Double]]
    /// World step from one slice to the next, LPS+ millimetres: (last − first) / (count − 1); for one slice,
    /// the normal times Spacing Between Slices, else Slice Thickness, else 1 mm.
    public let sliceStep: [Double]

    /// Reads every file of `url` (not recursively; hidden files skipped).
    public init(folder url: URL) throws {
        folder = ImageIOError.name(url)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw ImageIOError.io(file: folder, reason: "cannot list the folder: \(error.localizedDescription)")
        }
        var found: [(name: String, image: DICOMImage)] = [], skipped: [String] = []
        for name in names {
            let file = url.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isFolder), !isFolder.boolValue,
                  name.uppercased() != "DICOMDIR" else { skipped.append(name); continue }
            let head = try FileBytes.readPrefix(file, count: 132)
            guard head.count == 132, Array(head[128..<132]) == Array("DICM".utf8) else { skipped.append(name); continue }
            found.append((name, try DICOMImage(contentsOf: file)))
        }
        guard !found.isEmpty else { throw DICOMSeriesError.noImages(folder: folder, skipped: skipped) }
        self.skipped = skipped
        let uids = found.map { $0.image.dataSet.string(.seriesInstanceUID) ?? "" }
        let distinct = Array(Set(uids)).sorted()
        guard distinct.count == 1 else {
            throw DICOMSeriesError.mixedSeries(folder: folder, uids: distinct.map { $0.isEmpty ? "(none)" : $0 },
                                               fileCounts: distinct.map { u in uids.filter { $0 == u }.count })
        }
        seriesInstanceUID = distinct[0]
        let first = found[0].image
        let orientation = try DICOMSeries.numbers(first, .imageOrientationPatient, "ImageOrientationPatient", count: 6)
        rowCosine = Array(orientation[0..<3])
        columnCosine = Array(orientation[3..<6])
        let spacing = try DICOMSeries.numbers(first, .pixelSpacing, "PixelSpacing", count: 2)
        guard spacing.allSatisfy({ $0 > 0 }) else {
            throw ImageIOError.invalidField(file: first.file, field: "PixelSpacing \(DICOMTag.pixelSpacing)",
                                            expected: "two spacings > 0 mm", got: "\(spacing)")
        }
        (rowSpacing, columnSpacing) = (spacing[0], spacing[1])
        for (_, image) in found { try DICOMSeries.checkCompatible(image, with: first, orientation: orientation, spacing: spacing) }
        let normal = Matrix3.cross(rowCosine, columnCosine)
        var placed: [PlacedSlice] = []
        for (name, image) in found {
            let p = try DICOMSeries.numbers(image, .imagePositionPatient, "ImagePositionPatient", count: 3)
            placed.append(PlacedSlice(name: name, image: image, position: p, along: Matrix3.dot(p, normal)))
        }
        placed.sort { $0.along < $1.along || ($0.along == $1.along && $0.name < $1.name) }
        for (a, b) in zip(placed, placed.dropFirst()) where b.along - a.along < 1e-4 {
            throw DICOMSeriesError.duplicatePosition(folder: folder, files: [a.name, b.name], position: a.along)
        }
        files = placed.map { $0.name }
        images = placed.map { $0.image }
        positions = placed.map { $0.position }
        if placed.count > 1 {
            let step = DICOMSeries.meanStep(positions)
            sliceStep = step
            let limit = 0.1 + 0.05 * Matrix3.norm(step)
            for (a, b) in zip(positions, positions.dropFirst()) {
                let deviation: [Double] = (0..<3).map { b[$0] - a[$0] - step[$0] }
                if Matrix3.norm(deviation) > limit {
                    let steps: [Double] = zip(placed, placed.dropFirst()).map { pair in pair.1.along - pair.0.along }
                    throw DICOMSeriesError.unevenSpacing(folder: folder, steps: steps)
                }
            }
        } else {
            let thickness = first.dataSet.numbers(.spacingBetweenSlices).first ?? first.dataSet.numbers(.sliceThickness).first
            let d = thickness.flatMap { $0 > 0 ? $0 : nil } ?? 1
            sliceStep = normal.map { $0 * d }
        }
    }

    /// A slice with its position and its distance along the normal (millimetres).
    struct PlacedSlice {
        var name: String
        var image: DICOMImage
        var position: [Double]
        var along: Double
    }

    /// (last − first) / (count − 1) of at least two positions.
    static func meanStep(_ positions: [[Double]]) -> [Double] {
        let first = positions[0], last = positions[positions.count - 1], n = Double(positions.count - 1)
        return [(last[0] - first[0]) / n, (last[1] - first[1]) / n, (last[2] - first[2]) / n]
    }

    /// Slices, rows and columns.
    public var shape: (slices: Int, rows: Int, columns: Int) { (images.count, images[0].rows, images[0].columns) }

    /// Voxel (i = column, j = row, k = slice) → RAS+ millimetres: the columns row cosine × column spacing, column
    /// cosine × row spacing and the slice step, the first slice's position as origin (all LPS+), then the first
    /// two world axes negated (LPS → RAS), as dicom2nifti's `create_affine`.
    public var affine: Affine3D {
        let lps = Affine3D(columns: [rowCosine.map { $0 * columnSpacing }, columnCosine.map { $0 * rowSpacing }, sliceStep],
                           translation: positions[0])
        return Affine3D.lpsToRAS.composed(after: lps)
    }

    /// Every slice in modality units (each slice's own Rescale Slope and Intercept: Hounsfield units for CT),
    /// `[slices, rows, columns]`.
    public func modalityValues() throws -> Tensor {
        let (n, h, w) = shape
        let planes = try images.map { try $0.modalityValues(frame: 0) }
        return Tensor(shape: [n, h, w]) { out in
            for (k, p) in planes.enumerated() { p.withUnsafeBufferPointer { src in for i in 0..<(h * w) { out[k * h * w + i] = src[i] } } }
        }
    }

    /// The `count` numbers of a required attribute.
    static func numbers(_ image: DICOMImage, _ tag: DICOMTag, _ name: String, count: Int) throws -> [Double] {
        let v = image.dataSet.numbers(tag)
        guard v.count == count, v.allSatisfy(\.isFinite) else {
            throw ImageIOError.invalidField(file: image.file, field: "\(name) \(tag)", expected: "\(count) numbers",
                                            got: v.isEmpty ? "missing" : "\(v)")
        }
        return v
    }

    /// Refuses an image that cannot be a slice of the same volume as `first`.
    static func checkCompatible(_ image: DICOMImage, with first: DICOMImage, orientation: [Double], spacing: [Double]) throws {
        func refuse(_ field: String, _ expected: String, _ got: String) -> ImageIOError {
            ImageIOError.invalidField(file: image.file, field: field, expected: expected, got: got)
        }
        guard image.frames == 1, image.samplesPerPixel == 1 else {
            throw refuse("NumberOfFrames/SamplesPerPixel", "single-frame, one sample per pixel (a slice)",
                         "\(image.frames) frame(s), \(image.samplesPerPixel) sample(s)")
        }
        guard image.rows == first.rows, image.columns == first.columns else {
            throw refuse("Rows/Columns", "\(first.rows)x\(first.columns) as \(first.file)", "\(image.rows)x\(image.columns)")
        }
        let o = try numbers(image, .imageOrientationPatient, "ImageOrientationPatient", count: 6)
        guard zip(o, orientation).allSatisfy({ abs($0 - $1) <= 1e-4 }) else {
            throw refuse("ImageOrientationPatient \(DICOMTag.imageOrientationPatient)", "\(orientation) as \(first.file)", "\(o)")
        }
        let s = try numbers(image, .pixelSpacing, "PixelSpacing", count: 2)
        guard zip(s, spacing).allSatisfy({ abs($0 - $1) <= 1e-4 }) else {
            throw refuse("PixelSpacing \(DICOMTag.pixelSpacing)", "\(spacing) as \(first.file)", "\(s)")
        }
    }
}
