import AIMS
import Foundation
import ImageIO
import TensorFiles

/// Recognises a file by its content and builds its `InspectReport` with the matching decoder.
enum FileInspector {
    static func inspect(_ url: URL) throws -> InspectReport {
        var report = try contents(url)
        let description = report.format.lowercased().hasSuffix("tiff") ? (try? ImageReader.info(url))?.imageDescription : nil
        report.channelMetadata = ChannelFileMetadata.find(for: url, tiffDescription: description)
        return report
    }

    private static func contents(_ url: URL) throws -> InspectReport {
        let head = try FileBytes.readPrefix(url, count: 544)
        let name = url.path
        // DICOM first: a DICOM preamble may itself hold a TIFF header (dual-personality files).
        if head.count >= 132, Array(head[128..<132]) == Array("DICM".utf8) { return try dicom(url) }
        if let format = ImageFormat.sniff(prefix: head), !(format == .jpeg && FLIRFile.isRadiometricJPEG(url)) {
            let info = try ImageReader.info(url)
            var items: [InspectReport.Item] = []
            for page in 0..<info.pageCount {
                let t = try ImageReader.read(url, page: page).toTensor()
                let dtype = page == 0 ? info.dtype : try ImageReader.info(url, page: page).dtype
                items.append(.init(name: info.pageCount > 1 ? "page \(page)" : "image", dtype: dtype.rawValue,
                                   shape: t.shape, axes: "[C, H, W]", channels: InspectReport.channels(of: t)))
            }
            var details = ["bit depth": "\(info.bitDepth)", "compression": info.compression]
            if !info.colorModel.isEmpty { details["color model"] = info.colorModel }
            if info.pageCount > 1 { details["pages"] = "\(info.pageCount)" }
            if info.interlaced { details["interlaced"] = "yes" }
            if info.tiled { details["tiled"] = "yes" }
            if info.planar { details["planar"] = "yes" }
            if let m = info.maxval { details["maxval"] = "\(m)" }
            if let o = info.orientation { details["exif orientation"] = "\(o) (not applied)" }
            if let d = info.density { details["density"] = "\(d.x)x\(d.y) \(d.unit)" }
            if let c = info.chromaSubsampling { details["chroma subsampling"] = c }
            return InspectReport(file: name, format: format.rawValue, details: details, items: items)
        }
        if isFLIR(head) { return try flir(url) }
        if isNIfTI(head) || url.path.hasSuffix(".nii.gz") || url.path.hasSuffix(".nii") { return try nifti(url) }
        let archive = try TensorFiles.read(url)
        let items = archive.tensors.map {
            InspectReport.Item(name: $0.name, dtype: $0.storedDType.rawValue, shape: $0.shape, axes: "",
                               channels: InspectReport.whole($0.tensor))
        }
        return InspectReport(file: name, format: archive.format.rawValue, details: archive.metadata, items: items)
    }

    private static func dicom(_ url: URL) throws -> InspectReport {
        let image = try DICOMImage(contentsOf: url)
        let stored = try image.storedPixels()
        var items = [InspectReport.Item(name: "stored pixels", dtype: stored.dtype.rawValue, shape: stored.dims,
                                        axes: "[frames, rows, columns, samples]",
                                        channels: InspectReport.whole { stored.forEachChunk(chunk: 1 << 20, $0) })]
        for f in 0..<image.frames {
            let v = try image.modalityValues(frame: f, of: stored)
            items.append(.init(name: "frame \(f) modality values", dtype: "float32", shape: v.shape, axes: "[C, H, W]",
                               channels: InspectReport.channels(of: v)))
        }
        var details = ["transfer syntax": image.syntax.description, "photometric": image.photometricInterpretation,
                       "decoded photometric": image.decodedPhotometricInterpretation,
                       "bits stored": "\(image.bitsStored)/\(image.bitsAllocated)",
                       "rescale": "\(image.rescaleSlope) x + \(image.rescaleIntercept)"]
        if let m = image.modality { details["modality"] = m }
        if !image.windowCenters.isEmpty { details["window centre/width"] = "\(image.windowCenters)/\(image.windowWidths)" }
        if !image.pixelSpacing.isEmpty { details["pixel spacing (mm)"] = "\(image.pixelSpacing)" }
        return InspectReport(file: url.path, format: "dicom", details: details, items: items)
    }

    private static func nifti(_ url: URL) throws -> InspectReport {
        let volume = try NIfTIVolume(contentsOf: url)
        let h = volume.header
        // Statistics while streaming the voxels: decoding and inspecting take the decoded voxels once (plus the file).
        let item = InspectReport.Item(name: "voxels (scaled)", dtype: volume.voxels.dtype.rawValue, shape: volume.voxels.dims,
                                      axes: "[..., z, y, x]", channels: InspectReport.whole { volume.forEachScaledChunk(1 << 20, $0) })
        var details = ["version": "NIfTI-\(h.version)", "byte order": h.littleEndian ? "little" : "big",
                       "dim (x, y, z, ...)": "\(h.dimensions)", "voxel size": "\(h.voxelSize)"]
        if let s = h.scaling { details["scaling"] = "\(s.slope) x + \(s.intercept)" }
        return InspectReport(file: url.path, format: "nifti", details: details, items: [item])
    }

    private static func flir(_ url: URL) throws -> InspectReport {
        let frames = try FLIRFile.frames(contentsOf: url)
        let items = try frames.enumerated().map { k, frame in
            let counts = try frame.rawCounts()
            return InspectReport.Item(name: frames.count > 1 ? "frame \(k) raw counts" : "raw counts", dtype: "uint16",
                                      shape: counts.shape, axes: "[C, H, W]", channels: InspectReport.channels(of: counts))
        }
        let c = frames[0].cameraInfo
        let details = ["camera": c.cameraModel, "raw encoding": frames[0].rawEncoding.rawValue,
                       "Planck R1/R2/B/F/O": "\(c.planckR1)/\(c.planckR2)/\(c.planckB)/\(c.planckF)/\(c.planckO)",
                       "emissivity": "\(c.emissivity)",
                       "reflected apparent temperature (°C)": String(format: "%.2f", c.reflectedApparentTemperature)]
        return InspectReport(file: url.path, format: "flir", details: details, items: items)
    }

    private static func isFLIR(_ b: [UInt8]) -> Bool {
        if b.count >= 4, (b[0] == 0x46 || b[0] == 0x41), b[1] == 0x46, b[2] == 0x46, b[3] == 0 { return true }
        // A JPEG: FLIR's radiometric data sits in APP1 segments; decide by trying.
        return b.count >= 2 && b[0] == 0xFF && b[1] == 0xD8
    }

    private static func isNIfTI(_ b: [UInt8]) -> Bool {
        guard b.count >= 4 else { return false }
        let le = UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
        return [348, 540].contains(le) || [348, 540].contains(le.byteSwapped)
    }

}
