import TensorCore

extension DICOMImage {
    /// The stored pixel values, `[frames, rows, columns, samples]`, in their native type, as pydicom 3.0's
    /// `pixel_array` decodes them: compressed frames decoded (RLE in Swift; JPEG, JPEG-LS and JPEG 2000 by GDCM);
    /// BitsAllocated 1 unpacked to one uint8 (0/1) per pixel; signed values sign-extended from `bitsStored`,
    /// unsigned ones masked to it; planar colour interleaved; YBR_FULL and YBR_FULL_422 converted to RGB
    /// (`decodedPhotometricInterpretation` says what the samples are).
    public func storedPixels() throws -> RawVolume {
        guard let element = dataSet[.pixelData] else {
            throw ImageIOError.invalidField(file: file, field: "PixelData \(DICOMTag.pixelData)",
                                            expected: "present", got: "missing")
        }
        let decoded = try element.fragments.map { try decodeEncapsulated($0) } ?? decodeNative(element)
        return finish(decoded)
    }

    /// The photometric interpretation of `storedPixels()`'s samples: `RGB` where YBR_FULL / YBR_FULL_422 was
    /// converted (and where a JPEG codestream's component identifiers say RGB), else the file's own.
    public var decodedPhotometricInterpretation: String {
        let pi = (try? conformedPhotometric()) ?? photometricInterpretation
        return samplesPerPixel == 3 && pi.hasPrefix("YBR_FULL") ? "RGB" : pi
    }

    /// Decoded samples before the common corrections: host byte order unless `littleEndian` is false.
    struct DecodedSamples {
        var bytes: [UInt8]
        var bitsAllocated: Int
        var littleEndian: Bool
        var planar: Bool
        var photometric: String
    }

    private var expectedSamples: Int { frames * rows * columns * samplesPerPixel }

    private func refuseSyntax(_ reason: String) -> ImageIOError {
        .unsupported(file: file, field: "TransferSyntaxUID \(DICOMTag.transferSyntaxUID)",
                     value: "\(syntax) (\(reason))",
                     supported: "native (implicit/explicit VR little endian, explicit VR big endian, deflated), RLE, JPEG .50/.51/.57/.70, JPEG-LS .80/.81, JPEG 2000 .90/.91")
    }

    private func requireBitsAllocated(_ allowed: [Int]) throws {
        guard allowed.contains(bitsAllocated) else {
            throw ImageIOError.unsupported(file: file, field: "BitsAllocated \(DICOMTag.bitsAllocated)",
                                           value: "\(bitsAllocated) with \(syntax)",
                                           supported: allowed.map(String.init).joined(separator: ", "))
        }
    }

    private func decodeNative(_ element: DICOMElement) throws -> DecodedSamples {
        guard syntax.coding == .native || !syntax.isEncapsulated else { throw refuseSyntax("expected encapsulated pixel data") }
        try requireBitsAllocated([1, 8, 16, 32])
        let count = expectedSamples
        var value = element.value
        if bitsAllocated == 1 {
            guard value.count * 8 >= count else { throw shortData(value.count, (count + 7) / 8) }
            return DecodedSamples(bytes: DICOMColour.unpackBits(value, count: count), bitsAllocated: 8,
                                  littleEndian: true, planar: false, photometric: photometricInterpretation)
        }
        let bytesPer = bitsAllocated / 8
        if !dataSet.littleEndian && bytesPer == 1 && element.vr == "OW" {
            // 8-bit samples in an OW value of a big-endian file: the bytes of each 16-bit word are swapped.
            var swapped = Array(value)
            var i = 0
            while i + 1 < swapped.count { swapped.swapAt(i, i + 1); i += 2 }
            value = swapped[...]
        }
        if photometricInterpretation == "YBR_FULL_422" && samplesPerPixel == 3 && bytesPer == 1 {
            let packed = count / 3 * 2
            guard value.count >= packed else { throw shortData(value.count, packed) }
            return DecodedSamples(bytes: DICOMColour.expandYBR422(value, pixels: count / 3), bitsAllocated: 8,
                                  littleEndian: true, planar: false, photometric: "YBR_FULL")
        }
        guard value.count >= count * bytesPer else { throw shortData(value.count, count * bytesPer) }
        return DecodedSamples(bytes: Array(value.prefix(count * bytesPer)), bitsAllocated: bitsAllocated,
                              littleEndian: dataSet.littleEndian,
                              planar: samplesPerPixel > 1 && (dataSet.unsigned16(.planarConfiguration) ?? 0) == 1,
                              photometric: photometricInterpretation)
    }

    private func shortData(_ got: Int, _ needed: Int) -> ImageIOError {
        .invalidField(file: file, field: "PixelData \(DICOMTag.pixelData) length",
                      expected: "\(needed) bytes for \(frames)x\(rows)x\(columns)x\(samplesPerPixel) \(bitsAllocated)-bit",
                      got: "\(got) bytes")
    }

    private func decodeEncapsulated(_ items: [ArraySlice<UInt8>]) throws -> DecodedSamples {
        let ts = syntax
        switch ts.coding {
        case .refused(let reason): throw refuseSyntax(reason)
        case .native: throw refuseSyntax("native syntax with encapsulated pixel data")
        case .rle, .jpeg, .jpegLS, .jpeg2000: break
        }
        try requireBitsAllocated([8, 16, 32])
        // Allocation bound: every frame needs a fragment of the file, and a frame may expand at most
        // 1024-fold (PackBits at most 64-fold; JPEG / JPEG 2000 below that in practice).
        let compressed = items.reduce(0) { $0 + $1.count }
        guard frames <= max(1, items.count - 1) else {
            throw ImageIOError.invalidField(file: file, field: "NumberOfFrames \(DICOMTag.numberOfFrames)",
                                            expected: "at most one per fragment (\(items.count - 1))", got: "\(frames)")
        }
        let outBytes = expectedSamples * bitsAllocated / 8
        let limit = min(ImageReadOptions.standard.maxBytes, max(1 << 24, compressed * 1024))
        guard outBytes <= limit else {
            throw ImageIOError.decodedSizeTooLarge(file: file, shape: [frames, rows, columns, samplesPerPixel],
                                                   byteSize: bitsAllocated / 8, limit: limit)
        }
        let split = try DICOMEncapsulatedFrames.split(items: items, frames: frames, endsWithMarker: ts.coding != .rle, file: file)
        let planarAttribute = samplesPerPixel > 1 && (dataSet.unsigned16(.planarConfiguration) ?? 0) == 1
        var bytes: [UInt8] = []
        bytes.reserveCapacity(outBytes)
        if ts.coding == .rle {
            for f in split {
                bytes += try DICOMRLE.decodeFrame(f, pixels: rows * columns, samples: samplesPerPixel,
                                                  bytesPerSample: bitsAllocated / 8, file: file)
            }
            return DecodedSamples(bytes: bytes, bitsAllocated: bitsAllocated, littleEndian: true, planar: false,
                                  photometric: photometricInterpretation)
        }
        // As pydicom: JPEG-LS and JPEG 2000 containers follow the precision; JPEG-LS is always interleaved.
        let container = ts.coding == .jpeg ? bitsAllocated : (bitsStored <= 8 ? 8 : bitsStored <= 16 ? 16 : 32)
        let info = DICOMCodecDecoder.FrameInfo(syntax: ts, photometric: try conformedPhotometric(split.first),
                                               rows: rows, columns: columns, samples: samplesPerPixel,
                                               bitsAllocated: container, bitsStored: bitsStored, signed: signedPixels,
                                               planar: ts.coding == .jpegLS ? false : planarAttribute)
        for f in split { bytes += try DICOMCodecDecoder.decode(f, info, file: file) }
        let photometric = ts.coding == .jpeg2000 && ["YBR_ICT", "YBR_RCT"].contains(info.photometric) ? "RGB" : info.photometric
        return DecodedSamples(bytes: bytes, bitsAllocated: container, littleEndian: 1.littleEndian == 1,
                              planar: info.planar, photometric: photometric)
    }

    /// pydicom's `_conform_jpg_colorspace`: for three-sample JPEG / JPEG-LS frames, component identifiers
    /// `R G B` (or `r g b`) mean RGB, and a JFIF APP0 segment means YBR_FULL_422 (baseline) or YBR_FULL.
    func conformedPhotometric(_ firstFrame: [UInt8]? = nil) throws -> String {
        let pi = photometricInterpretation
        guard samplesPerPixel == 3, [.jpeg, .jpegLS].contains(syntax.coding) else { return pi }
        let codestream: [UInt8]
        if let firstFrame { codestream = firstFrame } else {
            guard let items = dataSet[.pixelData]?.fragments, items.count > 1 else { return pi }
            codestream = Array(items[1])
        }
        let markers = JPEGMarkers(codestream)
        if [[82, 71, 66], [114, 103, 98]].contains(markers.componentIDs) { return "RGB" }
        if markers.hasJFIF && !pi.contains("YBR") {
            return syntax.uid == "1.2.840.10008.1.2.4.50" ? "YBR_FULL_422" : "YBR_FULL"
        }
        return pi
    }

    /// Byte order to host, unused high bits corrected, planar to interleaved, YBR to RGB.
    private func finish(_ d: DecodedSamples) -> RawVolume {
        var bytes = d.bytes
        let size = d.bitsAllocated / 8, count = expectedSamples
        let hostLittle = 1.littleEndian == 1
        if size > 1 && d.littleEndian != hostLittle {
            for i in stride(from: 0, to: count * size, by: size) { bytes[i..<(i + size)].reverse() }
        }
        let stored = bitsAllocated == 1 ? d.bitsAllocated : min(bitsStored, d.bitsAllocated)
        if stored < d.bitsAllocated && size >= 1 {
            let width = UInt32(d.bitsAllocated), keep = UInt32(stored)
            let mask: UInt32 = keep >= 32 ? .max : (1 << keep) - 1
            for i in 0..<count {
                var v: UInt32 = 0
                for k in 0..<size { v |= UInt32(bytes[i * size + k]) << (8 * UInt32(k)) }
                v &= mask
                if signedPixels && (v >> (keep - 1)) & 1 == 1 {
                    v |= ~mask
                    if width < 32 { v &= (1 << width) - 1 }
                }
                for k in 0..<size { bytes[i * size + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
            }
        }
        let s = samplesPerPixel
        if d.planar && s > 1 {
            let plane = rows * columns, frameBytes = plane * s * size
            var out = bytes
            for f in 0..<frames {
                let base = f * frameBytes
                for p in 0..<plane {
                    for k in 0..<s {
                        for b in 0..<size { out[base + (p * s + k) * size + b] = bytes[base + (k * plane + p) * size + b] }
                    }
                }
            }
            bytes = out
        }
        if s == 3 && size == 1 && d.photometric.hasPrefix("YBR_FULL") { DICOMColour.ybrFullToRGB(&bytes) }
        let dtype: DType
        switch (size, signedPixels) {
        case (1, false): dtype = .uint8
        case (1, true): dtype = .int8
        case (2, false): dtype = .uint16
        case (2, true): dtype = .int16
        case (4, false): dtype = .uint32
        default: dtype = .int32
        }
        return RawVolume(dims: [frames, rows, columns, s], dtype: bitsAllocated == 1 ? .uint8 : dtype, bytes: bytes)
    }
}
