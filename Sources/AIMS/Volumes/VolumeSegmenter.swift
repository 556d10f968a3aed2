import Foundation
import SimCMF
import TensorCore

/// What happened on one slice.
public struct SliceOutcome: Sendable, Equatable, Encodable {
    /// Slice index k.
    public var slice: Int
    /// The box prompt `(x0, y0, x1, y1)`, slice pixels.
    public var box: [Double]
    /// Mask pixels on this slice (before any rejection).
    public var pixels: Int
    /// LiteMedSAM's predicted IoU.
    public var predictedIoU: Double
    /// Mean intensity (0–255) inside the mask minus around it (`PropagationRule`); nil when either is empty.
    public var contrast: Double?
    /// False when propagation rejected this slice's mask (empty, or too little contrast): it is not in the volume mask.
    public var kept: Bool
}

/// A volume's mask and the slices that were segmented.
public struct VolumeSegmentation: Sendable {
    /// `[nz, ny, nx]`, 1 inside, 0 elsewhere (slices not segmented or rejected are 0).
    public var mask: Tensor
    /// One per slice that ran, in the order they ran.
    public var slices: [SliceOutcome]
}

/// Segments a volume slice by slice with LiteMedSAM (`TinyViTSAM.predict`: each slice stretched to 256 × 256,
/// divided by 255), one box per slice as `VolumePrompt` says.
public struct VolumeSegmenter {
    public let model: TinyViTSAM

    public init(model: TinyViTSAM) { self.model = model }

    /// - Parameters:
    ///   - intensities: `[nz, ny, nx]` on the 0–255 scale (e.g. `MedSAMVolumeIntensity.apply`).
    ///   - progress: called after each slice.
    public func segment(_ intensities: Tensor, prompt: VolumePrompt,
                        progress: (SliceOutcome) -> Void = { _ in }) throws -> VolumeSegmentation {
        guard intensities.rank == 3 else {
            throw SAMError.shapeMismatch(field: "volume", expected: "[nz, ny, nx]", got: intensities.shape)
        }
        let (nz, ny, nx) = (intensities.shape[0], intensities.shape[1], intensities.shape[2])
        try prompt.validate(size: (nx, ny, nz))
        let values = intensities.scalars
        var volumeMask = [Float](repeating: 0, count: nz * ny * nx)
        var outcomes: [SliceOutcome] = []
        let ring = { if case let .propagated(_, _, rule) = prompt { return rule.ringWidth } else { return 3 } }()

        /// Segments slice z with `box`; keeps the mask when `accept` says so; returns its extent when kept.
        func run(_ z: Int, _ box: [Double], accept: (SliceOutcome) -> Bool) throws -> (extent: [Int], contrast: Double?)? {
            let plane = intensities.slice(axis: 0, z..<(z + 1))
            let p = try model.predict(image: Tensor.concat([plane, plane, plane], axis: 0),
                                      box: (Float(box[0]), Float(box[1]), Float(box[2]), Float(box[3])))
            let inside = p.logits.scalars.map { $0 > 0 }
            var x0 = nx, y0 = ny, x1 = -1, y1 = -1
            for y in 0..<ny { for x in 0..<nx where inside[y * nx + x] {
                x0 = min(x0, x); y0 = min(y0, y); x1 = max(x1, x); y1 = max(y1, y)
            } }
            let slice = values[(z * ny * nx)..<((z + 1) * ny * nx)]
            var outcome = SliceOutcome(slice: z, box: box, pixels: inside.filter { $0 }.count, predictedIoU: Double(p.iou.scalars[0]),
                                       contrast: MaskContrast.contrast(image: slice, mask: inside, width: nx, height: ny, ring: ring),
                                       kept: false)
            outcome.kept = outcome.pixels > 0 && accept(outcome)
            outcomes.append(outcome)
            progress(outcome)
            guard outcome.kept else { return nil }
            for p in 0..<(ny * nx) where inside[p] { volumeMask[z * ny * nx + p] = 1 }
            return ([x0, y0, x1, y1], outcome.contrast)
        }

        switch prompt {
        case let .box3D(box, slices):
            for z in slices { _ = try run(z, box) { _ in true } }
        case let .propagated(box, start, rule):
            guard let seed = try run(start, box, accept: { _ in true }) else { break }
            let floor = seed.contrast.map { $0 * rule.minimumContrast }
            func enough(_ o: SliceOutcome) -> Bool {
                guard let floor, rule.minimumContrast > 0 else { return true }
                guard let c = o.contrast else { return false }
                return floor >= 0 ? c >= floor : c <= floor
            }
            for direction in [1, -1] {
                var extent = seed.extent, z = start + direction
                while (0..<nz).contains(z) {
                    let d = rule.dilation
                    let grown = [max(0, Double(extent[0]) - d), max(0, Double(extent[1]) - d),
                                 min(Double(nx - 1), Double(extent[2]) + d), min(Double(ny - 1), Double(extent[3]) + d)]
                    guard let next = try run(z, grown, accept: enough) else { break }
                    extent = next.extent
                    z += direction
                }
            }
        }
        return VolumeSegmentation(mask: Tensor(shape: [nz, ny, nx], values: volumeMask), slices: outcomes)
    }
}
