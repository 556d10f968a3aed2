import CCodecShims
import Foundation

/// The georeferencing a TIFF page carries (OGC GeoTIFF 1.1 tags and GDAL's nodata), kept as stored so that an
/// output raster on the same pixel grid (a predicted mask) can carry it unchanged. Nil fields are absent
/// (`docs/REFERENCE.md §11.4`).
public struct GeoTIFFTags: Sendable, Equatable, Codable {
    /// ModelPixelScaleTag (33550): (ScaleX, ScaleY, ScaleZ), model units per pixel.
    public var modelPixelScale: [Double]?
    /// ModelTiepointTag (33922): (I, J, K, X, Y, Z) per tie point, raster → model.
    public var modelTiepoints: [Double]?
    /// ModelTransformationTag (34264): a 4 × 4 raster → model matrix, row-major.
    public var modelTransformation: [Double]?
    /// GeoKeyDirectoryTag (34735): header (version, revision, minor, key count) and 4 SHORTs per key.
    public var geoKeyDirectory: [UInt16]?
    /// GeoDoubleParamsTag (34736): values of DOUBLE keys.
    public var geoDoubleParams: [Double]?
    /// GeoAsciiParamsTag (34737): `|`-terminated strings of ASCII keys.
    public var geoAsciiParams: String?
    /// GDAL_NODATA (42113): the nodata value as text.
    public var gdalNoData: String?

    public init(modelPixelScale: [Double]? = nil, modelTiepoints: [Double]? = nil, modelTransformation: [Double]? = nil,
                geoKeyDirectory: [UInt16]? = nil, geoDoubleParams: [Double]? = nil, geoAsciiParams: String? = nil,
                gdalNoData: String? = nil) {
        self.modelPixelScale = modelPixelScale
        self.modelTiepoints = modelTiepoints
        self.modelTransformation = modelTransformation
        self.geoKeyDirectory = geoKeyDirectory
        self.geoDoubleParams = geoDoubleParams
        self.geoAsciiParams = geoAsciiParams
        self.gdalNoData = gdalNoData
    }

    /// True when no tag is present.
    public var isEmpty: Bool { self == GeoTIFFTags() }

    static let pixelScaleTag: UInt32 = 33550, tiepointTag: UInt32 = 33922, transformationTag: UInt32 = 34264
    static let keyDirectoryTag: UInt32 = 34735, doubleParamsTag: UInt32 = 34736, asciiParamsTag: UInt32 = 34737
    static let noDataTag: UInt32 = 42113

    /// The tags of the current directory of `t`, nil when it has none.
    static func read(_ t: OpaquePointer, file: String) throws -> GeoTIFFTags? {
        func values(_ tag: UInt32) throws -> (type: Int32, count: Int, data: UnsafeRawPointer)? {
            var type: Int32 = 0, count: UInt32 = 0
            var data: UnsafeRawPointer?
            guard aims_tiff_get_tag(t, tag, &type, &count, &data) == 1, let data else { return nil }
            return (type, Int(count), data)
        }
        func doubles(_ tag: UInt32, _ name: String) throws -> [Double]? {
            guard let v = try values(tag) else { return nil }
            guard v.type == 12 else {
                throw ImageIOError.invalidField(file: file, field: "\(name) (\(tag)) type", expected: "DOUBLE (12)", got: "\(v.type)")
            }
            return Array(UnsafeBufferPointer(start: v.data.assumingMemoryBound(to: Double.self), count: v.count))
        }
        func text(_ tag: UInt32) throws -> String? {
            guard let v = try values(tag), v.type == 2 else { return nil }
            return String(decoding: UnsafeBufferPointer(start: v.data.assumingMemoryBound(to: UInt8.self), count: v.count), as: UTF8.self)
        }
        var g = GeoTIFFTags()
        g.modelPixelScale = try doubles(pixelScaleTag, "ModelPixelScaleTag")
        g.modelTiepoints = try doubles(tiepointTag, "ModelTiepointTag")
        g.modelTransformation = try doubles(transformationTag, "ModelTransformationTag")
        if let v = try values(keyDirectoryTag) {
            guard v.type == 3 else {
                throw ImageIOError.invalidField(file: file, field: "GeoKeyDirectoryTag (34735) type", expected: "SHORT (3)", got: "\(v.type)")
            }
            g.geoKeyDirectory = Array(UnsafeBufferPointer(start: v.data.assumingMemoryBound(to: UInt16.self), count: v.count))
        }
        g.geoDoubleParams = try doubles(doubleParamsTag, "GeoDoubleParamsTag")
        g.geoAsciiParams = try text(asciiParamsTag)
        g.gdalNoData = try text(noDataTag)
        return g.isEmpty ? nil : g
    }

    /// Sets the present tags on the directory being written to `t`.
    func write(_ t: OpaquePointer, file: String) throws {
        func set(_ tag: UInt32, _ count: Int, _ data: UnsafeRawPointer) throws {
            guard aims_tiff_set_tag(t, tag, UInt32(count), data) == 0 else {
                throw ImageIOError.codec(file: file, library: "libtiff",
                                         message: "cannot set tag \(tag): \(TIFFCodec.cString(aims_tiff_error(t)))")
            }
        }
        for (tag, v) in [(GeoTIFFTags.pixelScaleTag, modelPixelScale), (GeoTIFFTags.tiepointTag, modelTiepoints),
                         (GeoTIFFTags.transformationTag, modelTransformation), (GeoTIFFTags.doubleParamsTag, geoDoubleParams)] {
            guard let v, !v.isEmpty else { continue }
            try v.withUnsafeBytes { try set(tag, v.count, $0.baseAddress!) }
        }
        if let keys = geoKeyDirectory, !keys.isEmpty {
            try keys.withUnsafeBytes { try set(GeoTIFFTags.keyDirectoryTag, keys.count, $0.baseAddress!) }
        }
        for (tag, s) in [(GeoTIFFTags.asciiParamsTag, geoAsciiParams), (GeoTIFFTags.noDataTag, gdalNoData)] {
            guard let s else { continue }
            try s.withCString { try set(tag, s.utf8.count, UnsafeRawPointer($0)) }
        }
    }
}
