/// Where to segment a volume slice by slice. Coordinates are voxel indices: x = i (columns of a slice),
/// y = j (rows), z = k (slice); boxes are inclusive `(x0, y0, x1, y1)` in slice pixels.
public enum VolumePrompt: Sendable, Equatable {
    /// The 2-D box `(x0, y0, x1, y1)` on every slice `z0...z1` (MedSAM's 3-D box, `[x0, y0, z0, x1, y1, z1]`).
    case box3D(box: [Double], slices: ClosedRange<Int>)
    /// The box on slice `slice`, then outwards in both directions, each next slice's box from the previous mask
    /// (MedSAM's propagation from its middle slice), until `rule` says the object has ended or the volume does.
    case propagated(box: [Double], slice: Int, rule: PropagationRule)

    /// Refuses a prompt outside a volume of `size` voxels (a `RunOptionError`: a usage mistake).
    public func validate(size: (x: Int, y: Int, z: Int)) throws {
        let box: [Double], zs: ClosedRange<Int>
        switch self {
        case let .box3D(b, s): (box, zs) = (b, s)
        case let .propagated(b, s, rule):
            (box, zs) = (b, s...s)
            try rule.validate()
        }
        guard box.count == 4, box[0] <= box[2], box[1] <= box[3], box[0] >= 0, box[1] >= 0,
              box[2] <= Double(size.x - 1), box[3] <= Double(size.y - 1) else {
            throw RunOptionError(message: "box: expected 0 <= X0 <= X1 <= \(size.x - 1) and 0 <= Y0 <= Y1 <= \(size.y - 1) "
                                 + "(voxels of a \(size.x)x\(size.y) slice), got \(box.map { String(format: "%g", $0) }.joined(separator: ","))")
        }
        guard zs.lowerBound >= 0, zs.upperBound < size.z else {
            throw RunOptionError(message: "slice: expected 0...\(size.z - 1) (\(size.z) slices), got \(zs.lowerBound)...\(zs.upperBound)")
        }
    }
}

/// How a box propagates from slice to slice, and when it stops.
///
/// The next slice's box is the previous mask's bounding box grown by `dilation` pixels on every side (MedSAM's
/// `bbox_shift`, 3), clamped to the slice. Propagation stops at an empty mask, as MedSAM's — but LiteMedSAM, like
/// SAM, returns a mask inside any box even on a slice without the object, so it also stops when the mask no
/// longer stands out from its surroundings: its contrast (mean intensity inside minus mean in the `ringWidth`-pixel
/// ring around it) is below `minimumContrast` times the first slice's (or of the other sign). That slice's mask
/// is discarded. `minimumContrast` 0 keeps only the empty-mask rule. Measurements: `docs/REFERENCE.md §11.3`.
public struct PropagationRule: Sendable, Equatable {
    /// Pixels added on each side of the previous mask's bounding box.
    public var dilation: Double
    /// Fraction of the first slice's contrast a propagated mask must keep, 0...1.
    public var minimumContrast: Double
    /// Width of the ring around a mask that its contrast is measured against, pixels.
    public var ringWidth: Int

    public init(dilation: Double = 3, minimumContrast: Double = 0.25, ringWidth: Int = 3) {
        self.dilation = dilation
        self.minimumContrast = minimumContrast
        self.ringWidth = ringWidth
    }

    func validate() throws {
        guard dilation >= 0, dilation.isFinite else { throw RunOptionError(message: "dilation: expected >= 0 pixels, got \(dilation)") }
        guard (0...1).contains(minimumContrast) else {
            throw RunOptionError(message: "minimum contrast: expected 0...1, got \(minimumContrast)")
        }
        guard ringWidth >= 1 else { throw RunOptionError(message: "ring width: expected >= 1 pixel, got \(ringWidth)") }
    }
}
